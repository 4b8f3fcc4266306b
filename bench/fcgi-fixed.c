/*
 * fcgi-fixed - a FastCGI responder that answers every request with the
 * same small JSON document: the ceiling hd-fcgi is measured against
 * (bench/serve.sh runs both behind the same lighttpd config).  It reads
 * the body as hd-fcgi does, so the only difference left is the work.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

static const char doc[] = "{\"prediction\":1,\"probability\":0.6966934466048826}";

int main(void)
{
	FCGX_Request r;
	char body[65536], answer[256];
	int len = snprintf(answer, sizeof answer, "Status: 200 OK\r\n"
	                   "Content-Type: application/json\r\n"
	                   "Content-Length: %d\r\n\r\n%s",
	                   (int)sizeof doc - 1, doc);

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		const char *cl = FCGX_GetParam("CONTENT_LENGTH", r.envp);
		char *end;
		long n = cl ? strtol(cl, &end, 10) : 0;

		if (cl == NULL || *end != '\0' || n < 0)
			n = 0;

		/* Read the body like the real responder (drop what is beyond). */
		while (n > 0) {
			int k = FCGX_GetStr(body, n > (long)sizeof body ?
			                    (int)sizeof body : (int)n, r.in);

			if (k <= 0)
				break;
			n -= k;
		}
		FCGX_PutStr(answer, len, r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
