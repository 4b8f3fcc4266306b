/*
 * hd-fcgi - the heart-disease model as a FastCGI responder.
 *
 * lighttpd's mod_fastcgi spawns it (bin-path) with a listening unix
 * socket as fd 0, one process per max-procs, and respawns a process
 * that dies.  Each process answers one request at a time:
 *
 *   POST /predict       one patient (an object) or a batch (an array)
 *   GET  /health        identity of the model served, 503 while none is
 *   GET  /metrics       counters of every worker, JSON or Prometheus text
 *   GET  /openapi.json  the API description (a file read at start-up)
 *   GET  / and /docs    a page that renders it (likewise)
 *   /v2/...             the Open Inference Protocol (KServe v2 REST):
 *                       server and model metadata, live and ready,
 *                       POST /v2/models/NAME[/versions/V]/infer (oip.c)
 *
 * and the JSON bodies of the errors lighttpd itself detects, which it
 * hands over through server.error-handler.
 *
 * Everything a request needs is prepared at start-up: the model with
 * its identity already formatted, the body and output buffers, the
 * shared counters.  The loop reads, checks, scores and writes.  A
 * model file that changes is loaded between two requests and swapped
 * in only if it loads; a broken one is refused and the old one serves.
 *
 * This file holds the settings, start-up, the request loop and the
 * routing; fcgi.h lists where everything else is.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli.h"
#include "fcgi.h"

struct server server = {
	.cfg = {
		.max_body = 1L << 20,
		.max_batch = 1000,
		.threshold = 0.5,
		.reload_ms = 100,
		.read_timeout = 10,
	},
};

/* =====================================================================
 * Settings
 * ===================================================================== */

static const struct hd_usage usage = {
	"[-m MODEL] [--openapi FILE] [--docs FILE] [--shm ID]\n"
	"               [--slot-base N] [--max-body BYTES] [--max-batch N]\n"
	"               [--threshold T] [--reload-interval MS]\n"
	"               [--read-timeout SEC] [--api-tokens FILE]\n"
	"   or: hd-fcgi --check MODEL\n"
	"   or: hd-fcgi --check-tokens FILE",
	"Serve a model over FastCGI: lighttpd (mod_fastcgi, bin-path) starts\n"
	"it with a listening socket as standard input.  Each option but\n"
	"--check may come instead from the environment variable in brackets;\n"
	"an option wins over the environment.\n"
	"\n"
	"  -m, --model FILE        the model file; reloaded when it changes,\n"
	"                          503 until it loads [HD_MODEL]\n"
	"      --openapi FILE      served as /openapi.json [HD_OPENAPI]\n"
	"      --docs FILE         HTML served as / and /docs [HD_DOCS]\n"
	"      --shm ID            name the shared counters\n"
	"                          /dev/shm/hd-fcgi-ID-v1; unique per server\n"
	"                          (from the socket path) [HD_METRICS_SHM]\n"
	"      --slot-base N       counter slots start at N, so that two\n"
	"                          groups of workers share the counters (0)\n"
	"                          [HD_SLOT_BASE]\n"
	"      --max-body BYTES    largest request body read (1048576)\n"
	"                          [HD_MAX_BODY]\n"
	"      --max-batch N       most patients in one request (1000)\n"
	"                          [HD_MAX_BATCH]\n"
	"      --threshold T       predict 1 when probability >= T (0.5)\n"
	"                          [HD_THRESHOLD]\n"
	"      --reload-interval MS  look at the model file at most this\n"
	"                          often (100) [HD_RELOAD_MS]\n"
	"      --read-timeout SEC  a request body that stops arriving for\n"
	"                          this long is answered 408 (10)\n"
	"                          [HD_READ_TIMEOUT]\n"
	"      --api-tokens FILE   require a bearer token for /predict, and\n"
	"                          for /metrics but from the loopback: FILE\n"
	"                          holds SHA-256 digests of the tokens, one\n"
	"                          per line [HD_API_TOKENS]\n"
	"  -c, --check MODEL       load MODEL, print its identity and load\n"
	"                          time, exit 0 if it loads, else 1\n"
	"      --check-tokens FILE read a token file as --api-tokens does,\n"
	"                          print how many digests it holds, exit 0\n"
	"                          if it is valid, else 1\n"
	"      --help              show this help\n"
	"      --version           show the version\n",
};

/* Seconds a 503 asks the client to wait. */
#define RETRY_AFTER "1"

/* cJSON's arena for one request body (validate.c). */
#define ARENA_SIZE (256u << 10)

/* The largest body we allow anyone to configure: FCGX_GetStr takes int. */
#define MAX_BODY_LIMIT (1L << 30)

enum {
	OPT_OPENAPI = 0x2000,
	OPT_DOCS,
	OPT_SHM,
	OPT_MAX_BODY,
	OPT_MAX_BATCH,
	OPT_THRESHOLD,
	OPT_RELOAD,
	OPT_SLOT_BASE,
	OPT_READ_TIMEOUT,
	OPT_API_TOKENS,
	OPT_CHECK_TOKENS
};

static void set_max_body(const char *opt, const char *v)
{
	server.cfg.max_body = hd_opt_long(opt, v, 1, MAX_BODY_LIMIT);
}

static void set_max_batch(const char *opt, const char *v)
{
	server.cfg.max_batch = hd_opt_long(opt, v, 1, 1000000);
}

static void set_threshold(const char *opt, const char *v)
{
	server.cfg.threshold = hd_opt_double(opt, v, 0, 1);
}

static void set_reload(const char *opt, const char *v)
{
	server.cfg.reload_ms = hd_opt_long(opt, v, 0, 3600000);
}

static void set_slot_base(const char *opt, const char *v)
{
	server.cfg.slot_base = (int)hd_opt_long(opt, v, 0, NSLOTS - 1);
}

static void set_read_timeout(const char *opt, const char *v)
{
	server.cfg.read_timeout = hd_opt_long(opt, v, 1, 3600);
}

/* Environment first, so that options given on the command line win. */
static void settings_from_env(void)
{
	const char *v;

	if ((v = getenv("HD_MODEL")) != NULL && *v)
		server.cfg.model = v;
	if ((v = getenv("HD_OPENAPI")) != NULL && *v)
		server.cfg.openapi = v;
	if ((v = getenv("HD_DOCS")) != NULL && *v)
		server.cfg.docs = v;
	if ((v = getenv("HD_METRICS_SHM")) != NULL && *v)
		server.cfg.shm_id = v;
	if ((v = getenv("HD_MAX_BODY")) != NULL && *v)
		set_max_body("HD_MAX_BODY", v);
	if ((v = getenv("HD_MAX_BATCH")) != NULL && *v)
		set_max_batch("HD_MAX_BATCH", v);
	if ((v = getenv("HD_THRESHOLD")) != NULL && *v)
		set_threshold("HD_THRESHOLD", v);
	if ((v = getenv("HD_RELOAD_MS")) != NULL && *v)
		set_reload("HD_RELOAD_MS", v);
	if ((v = getenv("HD_SLOT_BASE")) != NULL && *v)
		set_slot_base("HD_SLOT_BASE", v);
	if ((v = getenv("HD_READ_TIMEOUT")) != NULL && *v)
		set_read_timeout("HD_READ_TIMEOUT", v);
	if ((v = getenv("HD_API_TOKENS")) != NULL && *v)
		server.cfg.tokens = v;
}


/* =====================================================================
 * Requests
 * ===================================================================== */

/* Pick the parameters we use out of envp ("NAME=value"), in one pass. */
static void gather_params(char **envp, struct params *pm)
{
	static const struct {
		const char *name;
		size_t len, off;
	} want[] = {
#define P(n, f) { n "=", sizeof(n), offsetof(struct params, f) }
		P("REQUEST_METHOD", method),
		P("PATH_INFO", path_info),
		P("SCRIPT_NAME", script_name),
		P("CONTENT_LENGTH", content_length),
		P("CONTENT_TYPE", content_type),
		P("QUERY_STRING", query),
		P("HTTP_ACCEPT", accept),
		P("REDIRECT_URI", redirect_uri),
		P("REDIRECT_STATUS", redirect_status),
		P("REQUEST_URI", request_uri),
		P("HTTP_AUTHORIZATION", authorization),
		P("REMOTE_ADDR", remote_addr),
#undef P
	};

	memset(pm, 0, sizeof *pm);
	for (; *envp; envp++) {
		const char *e = *envp;

		if (e[0] != 'R' && e[0] != 'P' && e[0] != 'S' && e[0] != 'C' &&
		    e[0] != 'Q' && e[0] != 'H')
			continue;
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
			if (e[0] == want[i].name[0] &&
			    strncmp(e, want[i].name, want[i].len) == 0) {
				*(const char **)((char *)pm + want[i].off) =
					e + want[i].len;
				break;
			}
	}
}

const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return status < 500 ? "Client Error" : "Server Error";
	}
}

/* An error answer {"detail": "..."} as FastAPI gives for HTTPException. */
void fail(struct req *q, int status, const char *detail)
{
	q->status = status;
	q->ctype = "application/json";
	buf_detail(&server.out, detail);
}

void method_not_allowed(struct req *q, const char *allow)
{
	fail(q, 405, "Method Not Allowed");
	q->allow = allow;
}

/* Read (and drop) what is left of the body, so lighttpd can finish. */
static void drain(struct req *q)
{
	char sink[16384];

	while (q->consumed < q->clen) {
		long want = q->clen - q->consumed;
		int k = FCGX_GetStr(sink,
		                    want > (long)sizeof sink ? (int)sizeof sink
		                                             : (int)want,
		                    q->fr->in);

		if (k <= 0)
			break;
		q->consumed += k;
	}
}

/*
 * With HD_API_TOKENS, whether the request may go on: a valid bearer
 * token, or (loopback_ok) a client on the loopback.  Otherwise the
 * answer is a 401 with its challenge (RFC 6750) in err's shape, and 0.
 */
static int authorized(struct req *q, int loopback_ok, fail_fn *err)
{
	enum auth a;

	if (!server.tokens.on)
		return 1;
	if (loopback_ok && remote_is_loopback(q->pm.remote_addr))
		return 1;
	a = tokens_check(&server.tokens, q->pm.authorization);
	if (a == AUTH_OK)
		return 1;
	if (a == AUTH_MISSING) {
		err(q, 401, "Not authenticated");
		q->www_authenticate = "Bearer realm=\"hd\"";
	} else {
		err(q, 401, "Invalid token");
		q->www_authenticate =
			"Bearer realm=\"hd\", error=\"invalid_token\"";
	}
	return 0;
}

const char *const route_name[NROUTES] = {
	[R_OTHER] = "other",      [R_PREDICT] = "predict",
	[R_INFER] = "v2_infer",   [R_HEALTH] = "health",
	[R_META] = "v2_metadata", [R_METRICS] = "metrics",
	[R_DOCS] = "docs",
};

/*
 * The Open Inference Protocol (oip.c): GET and HEAD but for infer
 * (POST, with a token as /predict), every error {"error": ...}.
 */
static void route_v2(struct req *q)
{
	struct oip_path t;
	int get = strcmp(q->method, "GET") == 0 || q->head;

	oip_path_parse(q->path, &t);
	switch (t.kind) {
	case OIP_NONE: q->route = R_OTHER; break;
	case OIP_SERVER:
	case OIP_MODEL: q->route = R_META; break;
	case OIP_LIVE:
	case OIP_READY:
	case OIP_MODEL_READY: q->route = R_HEALTH; break;
	case OIP_INFER: q->route = R_INFER; break;
	}
	if (t.kind == OIP_NONE) {
		oip_fail(q, 404, "Not Found");
		return;
	}
	if (t.kind == OIP_INFER) {
		if (!authorized(q, 0, oip_fail))
			return;
		if (strcmp(q->method, "POST") == 0) {
			ep_v2_infer(q, &t);
		} else {
			oip_fail(q, 405, "Method Not Allowed");
			q->allow = "POST";
		}
		return;
	}
	if (!get) {
		oip_fail(q, 405, "Method Not Allowed");
		q->allow = "GET, HEAD";
		return;
	}
	switch (t.kind) {
	case OIP_SERVER: ep_v2_server(q); break;
	case OIP_LIVE: ep_v2_live(q); break;
	case OIP_READY: ep_v2_ready(q); break;
	case OIP_MODEL: ep_v2_model(q, &t); break;
	case OIP_MODEL_READY: ep_v2_model_ready(q, &t); break;
	default: oip_fail(q, 404, "Not Found");
	}
}

static void route(struct req *q)
{
	const char *p = q->path;
	int get = strcmp(q->method, "GET") == 0 || q->head;

	if (ep_lighttpd_error(q))
		return;
	/* The error group answers lighttpd's errors and nothing else: a
	 * client must not keep its one worker busy (/_error/predict). */
	if (server.cfg.slot_base >= ERROR_SLOT_BASE) {
		fail(q, 404, "Not Found");
		return;
	}
	/* "OPTIONS *", which lighttpd.conf rewrites to /_options. */
	if (strcmp(p, "/_options") == 0 && q->pm.request_uri &&
	    strcmp(q->pm.request_uri, "*") == 0) {
		q->route = R_DOCS;
		q->status = 200;
		q->ctype = "application/json";
		q->allow = "GET, HEAD, POST";
		server.out.len = 0;
		buf_puts(&server.out,
		         "{\"allow\":[\"GET\",\"HEAD\",\"POST\"]}");
		return;
	}
	if (strcmp(p, "/predict") == 0) {
		q->route = R_PREDICT;
		if (!authorized(q, 0, fail))
			return;
		if (strcmp(q->method, "POST") == 0)
			ep_predict(q);
		else
			method_not_allowed(q, "POST");
		return;
	}
	if (strcmp(p, "/health") == 0 || strcmp(p, "/metrics") == 0 ||
	    strcmp(p, "/openapi.json") == 0 || strcmp(p, "/") == 0 ||
	    strcmp(p, "/docs") == 0 || strcmp(p, "/docs/") == 0) {
		q->route = p[1] == 'h'   ? R_HEALTH
		           : p[1] == 'm' ? R_METRICS
		                         : R_DOCS;
		if (!get)
			method_not_allowed(q, "GET, HEAD");
		else if (p[1] == 'h')
			ep_health(q);
		else if (p[1] == 'm') {
			if (authorized(q, 1, fail))
				ep_metrics(q);
		} else if (p[1] == 'o')
			ep_static(q, server.openapi.text, server.openapi.len,
			          "application/json", "OpenAPI document");
		else
			ep_static(q, server.docs.text, server.docs.len,
			          "text/html; charset=utf-8",
			          "documentation page");
		return;
	}
	if (oip_is_v2(p)) {
		route_v2(q);
		return;
	}
	/* The report is a file lighttpd sends itself for GET and HEAD
	 * (lighttpd.conf.in); the other methods come here.  A GET that
	 * reaches a worker has no report to send. */
	if (strcmp(p, "/report") == 0) {
		if (!get)
			method_not_allowed(q, "GET, HEAD");
		else
			fail(q, 404, "Not Found");
		return;
	}
	fail(q, 404, "Not Found");
}

/* =====================================================================
 * The request loop
 * ===================================================================== */

static const char oom_body[] = "{\"detail\":\"Out of memory\"}";

static void answer(struct req *q)
{
	char head[640];
	const char *data = server.out.p;
	size_t len = server.out.len;
	int n;

	if (server.out.oom) {
		q->status = 500;
		q->ctype = "application/json";
		q->allow = NULL;
		data = oom_body;
		len = sizeof oom_body - 1;
	}
	/* Every 503 (no model yet, overload) says when to come back. */
	n = snprintf(head, sizeof head,
	             "Status: %d %s\r\nContent-Type: %s\r\n"
	             "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	             "X-Content-Type-Options: nosniff\r\n%s%s%s%s%s%s%s\r\n",
	             q->status, reason_phrase(q->status), q->ctype, len,
	             q->allow ? "Allow: " : "", q->allow ? q->allow : "",
	             q->allow ? "\r\n" : "",
	             q->www_authenticate ? "WWW-Authenticate: " : "",
	             q->www_authenticate ? q->www_authenticate : "",
	             q->www_authenticate ? "\r\n" : "",
	             q->status == 503 ? "Retry-After: " RETRY_AFTER "\r\n"
	                              : "");
	FCGX_PutStr(head, n, q->fr->out);
	if (!q->head && len > 0)
		FCGX_PutStr(data, (int)len, q->fr->out);
}

/* A small file served as it is; NULL (and a note) when unreadable. */
static char *load_doc(const char *path, size_t *len, int json)
{
	char *text;
	char err[300];

	if (path == NULL)
		return NULL;
	if ((text = hd_read_file(path, 0, len, err, sizeof err)) == NULL) {
		note("%s: %s; not served", path, err);
		return NULL;
	}
	if (json) {
		cJSON *doc = cJSON_ParseWithLength(text, *len);

		if (doc == NULL)
			note("%s: not valid JSON; served anyway", path);
		cJSON_Delete(doc);
	}
	return text;
}

static void serve(void)
{
	FCGX_Request fr;
	struct req q;
	struct timespec t0, t1;

	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		note("cannot set up a FastCGI request");
		exit(HD_EXIT_DATA);
	}
	while (FCGX_Accept_r(&fr) >= 0) {
		const char *cl, *pi;
		struct timeval tv = { server.cfg.read_timeout, 0 };

		/*
		 * A deadline on every read of this request's connection: a
		 * body lighttpd stops sending must not hold the worker (and
		 * every request queued behind it) forever.
		 */
		setsockopt(fr.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		served_watch(&t0);
		memset(&q, 0, sizeof q);
		q.fr = &fr;
		gather_params(fr.envp, &q.pm);
		q.method = q.pm.method;
		if (q.method == NULL)
			q.method = "GET";
		q.head = strcmp(q.method, "HEAD") == 0;
		/* Under fix-root-scriptname SCRIPT_NAME is "" and PATH_INFO
		 * the path; mounted elsewhere, PATH_INFO is what follows. */
		pi = q.pm.path_info;
		q.path = pi && *pi ? pi : q.pm.script_name;
		if (q.path == NULL || *q.path == '\0')
			q.path = "/";
		cl = q.pm.content_length;
		server.out.len = 0;
		server.out.oom = 0;
		if (cl && *cl && hd_parse_long(cl, 0, LONG_MAX, &q.clen) != 0) {
			q.clen = 0;
			fail(&q, 400, "Bad Content-Length");
		} else {
			route(&q);
		}
		drain(&q);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		counters_request(&server.counters, q.route,
		                 server.out.oom ? 500 : q.status,
		                 seconds_between(&t0, &t1));
		answer(&q);
		FCGX_Finish_r(&fr);
		/* One huge answer must not pin its memory for the rest. */
		buf_reset(&server.out, 4u << 20);
		buf_reset(&server.errs, 4u << 20);
		buf_reset(&server.id, 4u << 20);
	}
	FCGX_Free(&fr, 1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "check", required_argument, NULL, 'c' },
		{ "openapi", required_argument, NULL, OPT_OPENAPI },
		{ "docs", required_argument, NULL, OPT_DOCS },
		{ "shm", required_argument, NULL, OPT_SHM },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "max-batch", required_argument, NULL, OPT_MAX_BATCH },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "reload-interval", required_argument, NULL, OPT_RELOAD },
		{ "slot-base", required_argument, NULL, OPT_SLOT_BASE },
		{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
		{ "api-tokens", required_argument, NULL, OPT_API_TOKENS },
		{ "check-tokens", required_argument, NULL, OPT_CHECK_TOKENS },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *check = NULL, *check_tokens = NULL;
	int c;

	hd_set_prog(argv);
	settings_from_env();
	while ((c = getopt_long(argc, argv, "m:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': server.cfg.model = optarg; break;
		case 'c': check = optarg; break;
		case OPT_OPENAPI: server.cfg.openapi = optarg; break;
		case OPT_DOCS: server.cfg.docs = optarg; break;
		case OPT_SHM: server.cfg.shm_id = optarg; break;
		case OPT_MAX_BODY: set_max_body("--max-body", optarg); break;
		case OPT_MAX_BATCH: set_max_batch("--max-batch", optarg); break;
		case OPT_THRESHOLD: set_threshold("--threshold", optarg); break;
		case OPT_RELOAD: set_reload("--reload-interval", optarg); break;
		case OPT_SLOT_BASE: set_slot_base("--slot-base", optarg); break;
		case OPT_READ_TIMEOUT:
			set_read_timeout("--read-timeout", optarg);
			break;
		case OPT_API_TOKENS: server.cfg.tokens = optarg; break;
		case OPT_CHECK_TOKENS: check_tokens = optarg; break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (optind < argc)
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	if (check)
		return served_check(check);
	if (check_tokens) {
		char err[400];

		if (tokens_load(&server.tokens, check_tokens, err,
		                sizeof err) != 0) {
			hd_err("%s", err);
			return HD_EXIT_DATA;
		}
		printf("%s: %zu token digest%s\n", check_tokens,
		       server.tokens.n, server.tokens.n == 1 ? "" : "s");
		tokens_free(&server.tokens);
		return HD_EXIT_OK;
	}
	if (server.cfg.model == NULL) {
		hd_err("no model file: give -m MODEL or set HD_MODEL");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (server.cfg.shm_id && !hd_name_safe(server.cfg.shm_id, 100)) {
		hd_err("--shm/HD_METRICS_SHM: '%s' must be 1 to 100 of "
		       "A-Z a-z 0-9 . _ -",
		       server.cfg.shm_id);
		return HD_EXIT_USAGE;
	}
	/* Closed, not open, when the file cannot be used: a worker that
	 * exits at start-up makes lighttpd (and hd-serve start) fail. */
	if (server.cfg.tokens) {
		char err[400];

		if (tokens_load(&server.tokens, server.cfg.tokens, err,
		                sizeof err) != 0) {
			hd_err("--api-tokens/HD_API_TOKENS: %s", err);
			return HD_EXIT_USAGE;
		}
	}
	if (FCGX_Init() != 0 || FCGX_IsCGI()) {
		hd_err("standard input is not a FastCGI listening socket; let "
		       "lighttpd's mod_fastcgi start me (bin-path)");
		return HD_EXIT_USAGE;
	}

	/*
	 * lighttpd supervises us: a client gone mid-answer is EPIPE, not
	 * death; Ctrl-C on a foreground lighttpd reaches the whole process
	 * group, but lighttpd itself decides when we stop (it finishes the
	 * requests in flight, then sends SIGTERM); and if lighttpd dies we
	 * must not linger on a socket a new lighttpd would reuse.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (counters_open(&server.counters, server.cfg.shm_id,
	                  server.cfg.slot_base) != 0 ||
	    arena_init(&server.arena, ARENA_SIZE) != 0) {
		note("out of memory at start-up");
		return HD_EXIT_DATA;
	}
	arena_install(&server.arena);
	validate_init();
	server.openapi.text =
		load_doc(server.cfg.openapi, &server.openapi.len, 1);
	server.docs.text = load_doc(server.cfg.docs, &server.docs.len, 0);
	server.body = malloc((size_t)server.cfg.max_body + 1);
	server.batch.x = malloc((size_t)server.cfg.max_batch * HD_NFEAT *
	                        sizeof *server.batch.x);
	server.batch.imputed = malloc((size_t)server.cfg.max_batch *
	                              sizeof *server.batch.imputed);
	server.prob =
		malloc((size_t)server.cfg.max_batch * sizeof *server.prob);
	if (server.body == NULL || server.batch.x == NULL ||
	    server.prob == NULL || buf_grow(&server.id, 256) != 0 ||
	    server.batch.imputed == NULL || buf_grow(&server.out, 65536) != 0 ||
	    buf_grow(&server.errs, 16384) != 0) {
		note("out of memory at start-up");
		return HD_EXIT_DATA;
	}
	served_start();
	note("worker %d ready, counters in %s%s", server.counters.slot,
	     server.counters.path,
	     server.counters.shared ? "" : " (not shared)");

	serve();

	served_drop();
	counters_close(&server.counters);
	arena_free(&server.arena);
	free(server.body);
	free(server.batch.x);
	free(server.batch.imputed);
	free(server.prob);
	buf_free(&server.id);
	buf_free(&server.out);
	buf_free(&server.errs);
	free(server.openapi.text);
	free(server.docs.text);
	tokens_free(&server.tokens);
	return HD_EXIT_OK;
}
