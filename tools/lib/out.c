/*
 * out.c - output files that appear whole or not at all.
 *
 * A file is written under a temporary name in its final folder (so the
 * rename cannot cross file systems), synced, then renamed over the
 * target.  A reader therefore sees the old file or the new one, never a
 * prefix of the new one.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/*
 * Temporaries still open, so that a signal can remove them.  A tool
 * writes at most a handful of files at once, and its plot data
 * (HD_PLOT_FILES).
 */
#define MAX_OPEN (8 + HD_PLOT_FILES)
static char *volatile open_tmp[MAX_OPEN];

static void track(char *tmp)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_tmp[i] == NULL) {
			open_tmp[i] = tmp;
			return;
		}
}

static void untrack(const char *tmp)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_tmp[i] == tmp)
			open_tmp[i] = NULL;
}

/*
 * The signals on_signal handles are held off from creating a temporary
 * until it is tracked: one arriving in between would leave it behind.
 */
static void hold_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void release_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_tmp[i] != NULL)
			unlink(open_tmp[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A signal the caller set to be ignored stays ignored: under nohup (or
 * `trap '' HUP`) a hangup must not kill the tool, and a pipeline that
 * ignores SIGPIPE gets EPIPE instead.
 */
void hd_out_cleanup_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int hd_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (a == NULL || b == NULL || strcmp(a, "-") == 0 ||
	    strcmp(b, "-") == 0)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int hd_mkdir_p(const char *dir)
{
	char *p;
	struct stat st;
	int rc = 0;

	if (dir[0] == '\0') {
		hd_err("empty folder name");
		return -1;
	}
	p = hd_xstrdup(dir);
	/* Each prefix that ends before a slash, then the whole name. */
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			hd_err("cannot create %s: %s", p, strerror(errno));
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (rc == 0 && stat(dir, &st) != 0) {
		hd_err("%s: %s", dir, strerror(errno));
		rc = -1;
	} else if (rc == 0 && !S_ISDIR(st.st_mode)) {
		hd_err("%s: not a folder", dir);
		rc = -1;
	}
	free(p);
	return rc;
}

int hd_out_open(struct hd_out *o, const char *path)
{
	struct stat st;
	sigset_t held;
	mode_t mask;
	size_t tmplen;
	int fd;

	memset(o, 0, sizeof *o);
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	/*
	 * Only a regular file can be replaced by rename; a device or a pipe
	 * (-o /dev/null, -o /dev/stdout, a FIFO) is written in place, the
	 * way a shell redirection would.
	 */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->fp = fopen(path, "w");
		if (o->fp == NULL) {
			hd_err("%s: %s", path, strerror(errno));
			return -1;
		}
		o->direct = 1;
		return 0;
	}
	o->path = hd_xstrdup(path);
	tmplen = strlen(path) + sizeof ".tmp.XXXXXX";
	o->tmp = hd_xmalloc(tmplen);
	snprintf(o->tmp, tmplen, "%s.tmp.XXXXXX", path);
	hold_signals(&held);
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		release_signals(&held);
		hd_err("%s: cannot create: %s", path, strerror(errno));
		goto fail;
	}
	track(o->tmp);
	release_signals(&held);
	/* mkstemp makes 0600; give the file the mode open(2) would have. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	o->fp = fdopen(fd, "w");
	if (o->fp == NULL) {
		hd_err("%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		untrack(o->tmp);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
	return -1;
}

int hd_out_commit(struct hd_out *o)
{
	int rc = 0;

	if (o->fp == NULL)
		return -1;
	if (o->path == NULL) {
		if (fflush(o->fp) != 0 || ferror(o->fp)) {
			hd_err("standard output: %s", strerror(errno));
			rc = -1;
		}
		if (o->direct && fclose(o->fp) != 0)
			rc = -1;
		o->fp = NULL;
		o->direct = 0;
		return rc;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0) {
		hd_err("%s: write failed: %s", o->path, strerror(errno));
		rc = -1;
	}
	if (fclose(o->fp) != 0 && rc == 0) {
		hd_err("%s: write failed: %s", o->path, strerror(errno));
		rc = -1;
	}
	o->fp = NULL;
	if (rc == 0 && rename(o->tmp, o->path) != 0) {
		hd_err("%s: cannot rename into place: %s", o->path,
		       strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(o->tmp);
	untrack(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}

void hd_out_abort(struct hd_out *o)
{
	if (o->fp == NULL)
		return;
	if (o->path != NULL) {
		fclose(o->fp);
		unlink(o->tmp);
		untrack(o->tmp);
	} else if (o->direct) {
		fclose(o->fp);
	} else {
		fflush(o->fp);
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

char *hd_csv_field(char *dst, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			break;
	if (i == len) {
		memcpy(dst, s, len);
		return dst + len;
	}
	*dst++ = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			*dst++ = '"';
		*dst++ = s[i];
	}
	*dst++ = '"';
	return dst;
}

void hd_csv_put(FILE *fp, const char *s, size_t len)
{
	char small[256];
	char *buf = 2 * len + 2 <= sizeof small ? small
	                                        : hd_xmalloc(2 * len + 2);

	fwrite(buf, 1, (size_t)(hd_csv_field(buf, s, len) - buf), fp);
	if (buf != small)
		free(buf);
}
