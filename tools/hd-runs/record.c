/*
 * tools/hd-runs/record.c - record: one run's six files, built under a
 * temporary name and renamed into place whole (see runs.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <pwd.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runs.h"

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

/* A JSON value for a command-line value: a number when it reads as one
 * exactly (42, 0.2, 1e-10), else the string. */
static cJSON *typed(const char *s)
{
	double x;

	if (*s && hd_parse_double(s, &x) == 0 && isfinite(x) &&
	    strspn(s, "+-0123456789.eE") == strlen(s))
		return hd_json_num(x);
	return cJSON_CreateString(s);
}

/* The decimal field of width (< 8) characters at s, in [min, max], into
 * *out: 0, or -1 when it is not one. */
static int utc_field(const char *s, size_t width, long min, long max, int *out)
{
	char buf[8];
	long v;

	memcpy(buf, s, width);
	buf[width] = '\0';
	if (hd_parse_long(buf, min, max, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* "2026-12-01T11:58:21.123Z" -> seconds and milliseconds; 0 or -1. */
static int parse_utc(const char *s, time_t *t, int *ms)
{
	struct tm tm = { 0 };
	size_t n = 19, len = strlen(s);
	char frac[4] = "000";

	if (len < n || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' ||
	    utc_field(s, 4, 0, 9999, &tm.tm_year) != 0 ||
	    utc_field(s + 5, 2, 1, 12, &tm.tm_mon) != 0 ||
	    utc_field(s + 8, 2, 1, 31, &tm.tm_mday) != 0 ||
	    utc_field(s + 11, 2, 0, 23, &tm.tm_hour) != 0 ||
	    utc_field(s + 14, 2, 0, 59, &tm.tm_min) != 0 ||
	    utc_field(s + 17, 2, 0, 60, &tm.tm_sec) != 0)
		return -1;
	if (s[n] == '.') {
		int k = 0;
		n++;
		while (s[n] >= '0' && s[n] <= '9') {
			if (k < 3)
				frac[k++] = s[n];
			n++;
		}
		if (k == 0)
			return -1;
	}
	if (n != len - 1 || s[n] != 'Z' || utc_field(frac, 3, 0, 999, ms) != 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return 0;
}

/*
 * Run argv (no shell) and return what it printed on stdout,
 * NUL-terminated, in *len bytes; stderr goes to /dev/null.  NULL when
 * it cannot run or exits non-zero.
 */
static char *capture(char *const argv[], size_t *len)
{
	int fd[2], status, rc;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	char *out, err[128];

	if (pipe(fd) != 0)
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	                                 O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		return NULL;
	}
	out = hd_read_fd(fd[0], 0, 64u << 20, len, err, sizeof err);
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* capture() with the trailing newline cut; NULL when empty. */
static char *capture_line(char *const argv[])
{
	size_t len;
	char *s = capture(argv, &len);

	if (!s)
		return NULL;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len == 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---------------------------------------------------------------------
 * record
 * ------------------------------------------------------------------- */

/* Metrics kept from an hd-eval file, and where they go in the run:
 * a name matches by fnmatch on its dotted path. */
static const char *const eval_keep[] = { "test.n",
	                                 "test.threshold",
	                                 "test.accuracy",
	                                 "test.precision",
	                                 "test.recall",
	                                 "test.f1",
	                                 "test.roc_auc",
	                                 "test.brier",
	                                 "test.log_loss",
	                                 "test.confusion.*",
	                                 "test.calibration.*",
	                                 "test.intervals.*.lo",
	                                 "test.intervals.*.hi",
	                                 "test.youden.threshold",
	                                 "model.cv.folds",
	                                 "model.cv.mean",
	                                 "model.cv.std",
	                                 "model.cv.calibration.*",
	                                 "subgroups.*.*.n",
	                                 "subgroups.*.*.roc_auc",
	                                 "subgroups.*.*.accuracy",
	                                 "subgroups.*.*.intervals.roc_auc.lo",
	                                 "subgroups.*.*.intervals.roc_auc.hi",
	                                 NULL };
static const char *const loso_keep[] = { "sites.*.test.n",
	                                 "sites.*.test.roc_auc",
	                                 "sites.*.test.accuracy",
	                                 "sites.*.test.brier",
	                                 "sites.*.test.intervals.roc_auc.lo",
	                                 "sites.*.test.intervals.roc_auc.hi",
	                                 NULL };

/* Renamed prefixes, so that names read as what they are. */
static const char *rename_path(const char *path, char *buf, size_t len)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{ "model.cv.mean", "cv.roc_auc_mean" },
		{ "model.cv.std", "cv.roc_auc_std" },
		{ "model.cv.", "cv." },
		{ "sites.", "loso." },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		size_t n = strlen(map[i].from);
		if (strncmp(path, map[i].from, n) == 0) {
			snprintf(buf, len, "%s%s", map[i].to, path + n);
			return buf;
		}
	}
	return path;
}

static int keep_path(const char *path, const char *const *keep)
{
	for (; *keep; keep++)
		if (fnmatch(*keep, path, 0) == 0)
			return 1;
	return 0;
}

/* Every number under node (not inside an array) whose path is kept,
 * added to out as "PREFIX.path". */
static void flatten(const cJSON *node, char *path, size_t plen, size_t cap,
                    const char *const *keep, const char *prefix, cJSON *out)
{
	const cJSON *c;

	if (cJSON_IsNumber(node) || cJSON_IsRaw(node)) {
		double x;
		char name[512], buf[512];
		if (hd_json_get_num(node, NULL, &x) != 0 ||
		    !keep_path(path, keep))
			return;
		if (snprintf(name, sizeof name, "%s.%s", prefix,
		             rename_path(path, buf, sizeof buf)) >=
		    (int)sizeof name)
			return;
		if (!cJSON_GetObjectItemCaseSensitive(out, name))
			cJSON_AddItemToObject(out, name, hd_json_num(x));
		return;
	}
	if (!cJSON_IsObject(node))
		return;
	cJSON_ArrayForEach (c, node) {
		size_t k = strlen(c->string);
		if (plen + k + 2 > cap)
			continue;
		size_t at = plen;
		if (plen)
			path[at++] = '.';
		memcpy(path + at, c->string, k + 1);
		flatten(c, path, at + k, cap, keep, prefix, out);
		path[plen] = '\0';
	}
}

/* A file read as JSON of format fmt, or NULL; a failed run may lack it. */
static cJSON *read_input(const char *path, const char *fmt, int failed)
{
	/* Flawfinder: ignore: not a security check (no privileges change hands): whether a failed run's file exists to be recorded */
	if (failed && access(path, R_OK) != 0)
		return NULL;
	/* A model file may be of any version this build loads; the other
	 * inputs are all at their version 1. */
	return hd_json_read(path, fmt,
	                    strcmp(fmt, HD_MODEL_FORMAT) == 0 ? HD_MODEL_VERSION
	                                                      : 1);
}

struct named {
	char *name;
	const char *file;
	cJSON *doc;
};

static int load_named(const struct list *l, const char *optname,
                      const char *fmt, int failed, struct named **out)
{
	int rc = 0;

	*out = hd_xcalloc(l->n ? l->n : 1, sizeof **out);
	for (size_t i = 0; i < l->n; i++) {
		split_kv(optname, l->v[i], &(*out)[i].name, &(*out)[i].file);
		(*out)[i].doc = read_input((*out)[i].file, fmt, failed);
		if (!(*out)[i].doc &&
		    /* Flawfinder: ignore: not a security check (no privileges change hands): whether a failed run's file exists to be recorded */
		    !(failed && access((*out)[i].file, R_OK) != 0))
			rc = -1;
	}
	return rc;
}

static void free_named(struct named *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		cJSON_Delete(v[i].doc);
	}
	free(v);
}

/* The run's id: its start in UTC to the millisecond, and 16 random bits
 * against two runs started in the same millisecond. */
static void make_id(time_t t, int ms, char id[48])
{
	char utc[40], *o = id;
	uint16_t r = 0;

	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint16_t)(getpid() ^ clock());
	/* The start as fmt_utc writes it, without its - and : (ISO 8601's
	 * basic format, a name every file system takes). */
	fmt_utc(t, ms, utc);
	for (const char *s = utc; *s; s++)
		if (*s != '-' && *s != ':')
			*o++ = *s;
	snprintf(o, 48 - (size_t)(o - id), "-%04x", r);
}

static cJSON *new_doc(const char *kind, const char *id)
{
	char fmt[64];
	cJSON *d = cJSON_CreateObject();

	snprintf(fmt, sizeof fmt, "hd-run-%s", kind);
	hd_json_set_format(d, fmt, RUN_VERSION);
	cJSON_AddStringToObject(d, "run", id);
	return d;
}

/* Describe a file: bytes and SHA-256 into o; 0 or -1 after saying why. */
static int describe_file(const char *path, cJSON *o)
{
	struct stat st;
	char hex[HD_SHA256_HEX];

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		hd_err("%s: %s", path, errno ? strerror(errno) : "not a file");
		return -1;
	}
	if (hd_sha256_file(path, hex) != 0) {
		hd_err("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddItemToObject(o, "bytes", hd_json_num((double)st.st_size));
	cJSON_AddStringToObject(o, "sha256", hex);
	return 0;
}

/* Rows, columns and class counts of a CSV with a "target" column. */
static int describe_csv(const char *path, cJSON *o)
{
	struct hd_csv *r;
	struct hd_record rec;
	long target = -1, rows = 0, cls[2] = { 0, 0 }, other = 0;
	size_t cols = 0;
	int rc;

	if (describe_file(path, o) != 0 || !(r = hd_csv_open(path)))
		return -1;
	while ((rc = hd_csv_next(r, &rec)) == 1) {
		if (rows == 0 && cols == 0) {
			cols = rec.n;
			target = hd_header_find(&rec, "target");
			rows = -1;
		} else if (target >= 0 && (size_t)target < rec.n) {
			uint8_t y;
			if (hd_parse_label(rec.field[target], &y) == 0)
				cls[y]++;
			else
				other++;
		}
		rows++;
	}
	hd_csv_close(&r);
	if (rc < 0)
		return -1;
	cJSON_AddItemToObject(o, "rows",
	                      hd_json_num((double)(rows < 0 ? 0 : rows)));
	cJSON_AddItemToObject(o, "columns", hd_json_num((double)cols));
	if (target >= 0) {
		cJSON *c = cJSON_AddObjectToObject(o, "class_counts");
		cJSON_AddItemToObject(c, "0", hd_json_num((double)cls[0]));
		cJSON_AddItemToObject(c, "1", hd_json_num((double)cls[1]));
		if (other)
			cJSON_AddItemToObject(c, "other",
			                      hd_json_num((double)other));
	}
	return 0;
}

/* What to call the OS: os-release's PRETTY_NAME and uname. */
static char *os_name(void)
{
	struct utsname u;
	char line[512], pretty[256] = "", *out;
	FILE *fp = fopen("/etc/os-release", "r");

	if (fp) {
		while (fgets(line, sizeof line, fp))
			if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
				char *v = line + 12;
				v[strcspn(v, "\n")] = '\0';
				if (*v == '"') {
					v++;
					v[strcspn(v, "\"")] = '\0';
				}
				if (snprintf(pretty, sizeof pretty, "%s; ",
				             v) >= (int)sizeof pretty)
					pretty[0] = '\0';
			}
		fclose(fp);
	}
	if (uname(&u) != 0)
		return hd_xstrdup(pretty[0] ? pretty : "unknown");
	size_t n = strlen(pretty) + strlen(u.sysname) + strlen(u.release) +
	           strlen(u.machine) + 4;
	out = hd_xmalloc(n);
	snprintf(out, n, "%s%s %s %s", pretty, u.sysname, u.release, u.machine);
	return out;
}

static const char *compiler(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown";
#endif
}

/* The git facts of the checkout at dir; nulls outside one. */
static void git_tags(const char *dir, cJSON *t)
{
	char *commit, *branch, *status, *diff, *untracked;
	size_t dlen = 0, ulen = 0;
	/* git -C DIR ...: the checkout named, wherever hd-runs runs. */
#define GIT(...)                                            \
	{                                                   \
		"git", "-C", (char *)dir, __VA_ARGS__, NULL \
	}
	char *const c_commit[] = GIT("rev-parse", "HEAD");
	char *const c_branch[] = GIT("symbolic-ref", "--short", "-q", "HEAD");
	char *const c_status[] = GIT("status", "--porcelain");
	char *const c_diff[] = GIT("diff", "--binary", "HEAD");
	char *const c_untr[] =
		GIT("ls-files", "-z", "--others", "--exclude-standard");
#undef GIT

	commit = capture_line(c_commit);
	add_str_or_null(t, "git_commit", commit);
	if (!commit) {
		cJSON_AddNullToObject(t, "git_branch");
		cJSON_AddNullToObject(t, "git_dirty");
		cJSON_AddNullToObject(t, "git_diff_sha256");
		return;
	}
	branch = capture_line(c_branch);
	add_str_or_null(t, "git_branch", branch);
	status = capture_line(c_status);
	cJSON_AddBoolToObject(t, "git_dirty", status != NULL);
	if (status) {
		/* The tracked changes, then each untracked file's name and
		 * digest: two trees dirty the same way hash the same. */
		diff = capture(c_diff, &dlen);
		untracked = capture(c_untr, &ulen);
		size_t cap = dlen + 1, len = dlen;
		char *buf = hd_xmalloc(cap);
		if (diff)
			memcpy(buf, diff, dlen);
		for (size_t at = 0; untracked && at < ulen;) {
			const char *name = untracked + at;
			size_t k = strlen(name);
			char hex[HD_SHA256_HEX] = "", *path;
			size_t plen = strlen(dir) + k + 2;
			path = hd_xmalloc(plen);
			snprintf(path, plen, "%s/%s", dir, name);
			if (hd_sha256_file(path, hex) != 0)
				strcpy(hex, "unreadable");
			free(path);
			buf = hd_xrealloc(buf, cap += k + HD_SHA256_HEX + 16);
			len += (size_t)snprintf(buf + len, cap - len,
			                        "\n?? %s %s", name, hex);
			at += k + 1;
		}
		char hex[HD_SHA256_HEX];
		hd_sha256_hex(buf, len, hex);
		cJSON_AddStringToObject(t, "git_diff_sha256", hex);
		free(buf);
		free(diff);
		free(untracked);
	} else {
		cJSON_AddNullToObject(t, "git_diff_sha256");
	}
	free(commit);
	free(branch);
	free(status);
}

/* The name a copy of path gets under files/: the path itself when it is
 * relative and stays below the current folder, else its last two parts. */
static char *copy_name(const char *path)
{
	const char *p = path, *s;
	int below = path[0] != '/' && strstr(path, "..") == NULL;

	if (!below) {
		s = strrchr(path, '/');
		p = s ? s + 1 : path;
		while (s && s > path) {
			const char *q = s - 1;
			while (q > path && *q != '/')
				q--;
			p = *q == '/' ? q + 1 : q;
			break;
		}
	}
	while (strncmp(p, "./", 2) == 0)
		p += 2;
	return hd_xstrdup(p);
}

static int copy_file(const char *from, const char *to)
{
	char err[256], *tmp;
	size_t len;
	char *data = hd_read_file(from, 0, &len, err, sizeof err);
	struct hd_out o;

	if (!data) {
		hd_err("%s: %s", from, err);
		return -1;
	}
	tmp = hd_xstrdup(to);
	*strrchr(tmp, '/') = '\0'; /* to is always DIR/files/NAME */
	if (hd_mkdir_p(tmp) != 0 || hd_out_open(&o, to) != 0) {
		free(tmp);
		free(data);
		return -1;
	}
	free(tmp);
	fwrite(data, 1, len, o.fp);
	free(data);
	return hd_out_commit(&o);
}

static int write_doc(const char *dir, const char *name, cJSON *doc)
{
	char path[4096];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    (int)sizeof path) {
		hd_err("%s/%s: name too long", dir, name);
		return -1;
	}
	return hd_json_write(path, doc);
}

/* The signature of a model file: its features as the server reads them
 * and the two fields it answers. */
static cJSON *signature(const cJSON *model)
{
	cJSON *in = cJSON_CreateArray(), *out = cJSON_CreateArray(), *s, *o;
	const cJSON *f,
		*feats = cJSON_GetObjectItemCaseSensitive(model, "features");

	cJSON_ArrayForEach (f, feats) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(f, "kind");
		const cJSON *levels =
			cJSON_GetObjectItemCaseSensitive(f, "levels");
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "name", cJSON_Duplicate(name, 1));
		cJSON_AddItemToObject(o, "kind", cJSON_Duplicate(kind, 1));
		cJSON_AddStringToObject(o, "type", "number");
		if (levels)
			cJSON_AddItemToObject(o, "levels",
			                      cJSON_Duplicate(levels, 1));
		cJSON_AddItemToArray(in, o);
	}
	s = cJSON_CreateObject();
	cJSON_AddItemToObject(s, "inputs", in);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "prediction");
	cJSON_AddStringToObject(o, "type", "integer");
	cJSON_AddItemToObject(o, "values",
	                      cJSON_CreateIntArray((int[]){ 0, 1 }, 2));
	cJSON_AddItemToArray(out, o);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "probability");
	cJSON_AddStringToObject(o, "type", "number");
	cJSON_AddItemToObject(o, "range",
	                      cJSON_CreateIntArray((int[]){ 0, 1 }, 2));
	cJSON_AddItemToArray(out, o);
	cJSON_AddItemToObject(s, "outputs", out);
	return s;
}

int cmd_record(void)
{
	int failed, rc = 0;
	time_t t0, now;
	int ms0, msn;
	struct timespec ts;
	char id[48], start[40], end[40], tmpdir[4096], final[4096];
	struct named *models = NULL, *mets = NULL, *losos = NULL;
	cJSON *selected = NULL;
	cJSON *params, *metrics, *tags, *dataset, *sig, *manifest, *m, *t,
		*line;
	const char *sel_name = NULL, *sel_kind = NULL;

	if (!opt.status)
		opt.status = "finished";
	if (strcmp(opt.status, "finished") != 0 &&
	    strcmp(opt.status, "failed") != 0) {
		hd_err("--status: '%s' is neither finished nor failed",
		       opt.status);
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	failed = strcmp(opt.status, "failed") == 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;
	msn = (int)(ts.tv_nsec / 1000000);
	if (opt.start) {
		if (parse_utc(opt.start, &t0, &ms0) != 0) {
			hd_err("--start: '%s' is not YYYY-MM-DDTHH:MM:SS[.mmm]Z",
			       opt.start);
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
	} else {
		t0 = now;
		ms0 = msn;
	}
	fmt_utc(t0, ms0, start);
	fmt_utc(now, msn, end);

	/* A failed run's outputs on disk are older runs' (or half made):
	 * it records what it was asked, the data and where it stopped,
	 * never figures that are not its own. */
	if (failed) {
		opt.models.n = opt.metrics.n = opt.loso.n = 0;
		opt.selected = NULL;
	}
	/* Read every input before anything is written. */
	if (load_named(&opt.models, "model", "hd-model", failed, &models) !=
	            0 ||
	    load_named(&opt.metrics, "metrics", HD_METRICS_FORMAT, failed,
	               &mets) != 0 ||
	    load_named(&opt.loso, "loso", "hd-loso", failed, &losos) != 0)
		rc = -1;
	if (opt.selected) {
		selected = read_input(opt.selected, "hd-model", failed);
		/* Flawfinder: ignore: not a security check (no privileges change hands): whether a failed run's file exists to be recorded */
		if (!selected && !(failed && access(opt.selected, R_OK) != 0))
			rc = -1;
	}
	if (rc != 0)
		goto done;

	/* The selected model's name: the --model whose file it names. */
	if (selected) {
		const cJSON *sel =
			cJSON_GetObjectItemCaseSensitive(selected, "selection");
		const char *file = jstr(sel, "file");
		sel_kind = jstr(selected, "model");
		for (size_t i = 0; file && i < opt.models.n; i++)
			if (hd_same_file(file, models[i].file))
				sel_name = models[i].name;
	}

	make_id(t0, ms0, id);
	params = new_doc("params", id);
	m = cJSON_AddObjectToObject(params, "params");
	for (size_t i = 0; i < opt.params.n; i++) {
		char *k;
		const char *v;
		split_kv("param", opt.params.v[i], &k, &v);
		cJSON_DeleteItemFromObjectCaseSensitive(m, k);
		cJSON_AddItemToObject(m, k, typed(v));
		free(k);
	}
	for (size_t i = 0; i < opt.models.n; i++) {
		const cJSON *h,
			*hp = cJSON_GetObjectItemCaseSensitive(models[i].doc,
		                                               "hyperparameters");
		cJSON_ArrayForEach (h, hp) {
			char k[256];
			snprintf(k, sizeof k, "%s.%s", models[i].name,
			         h->string);
			cJSON_AddItemToObject(m, k, cJSON_Duplicate(h, 1));
		}
	}

	metrics = new_doc("metrics", id);
	add_str_or_null(metrics, "selected", sel_name);
	add_str_or_null(metrics, "selected_kind", sel_kind);
	{
		const cJSON *sel =
			cJSON_GetObjectItemCaseSensitive(selected, "selection");
		add_str_or_null(metrics, "selected_by", jstr(sel, "metric"));
		add_str_or_null(metrics, "reason", jstr(sel, "reason"));
	}
	m = cJSON_AddObjectToObject(metrics, "metrics");
	for (size_t i = 0; i < opt.metrics.n; i++) {
		char path[1024] = "";
		if (mets[i].doc)
			flatten(mets[i].doc, path, 0, sizeof path, eval_keep,
			        mets[i].name, m);
	}
	for (size_t i = 0; i < opt.loso.n; i++) {
		char path[1024] = "";
		if (losos[i].doc)
			flatten(losos[i].doc, path, 0, sizeof path, loso_keep,
			        losos[i].name, m);
	}

	tags = new_doc("tags", id);
	cJSON_AddStringToObject(tags, "status", opt.status);
	add_str_or_null(tags, "step", opt.step);
	add_str_or_null(tags, "message", opt.message);
	cJSON_AddStringToObject(tags, "experiment",
	                        opt.experiment ? opt.experiment
	                                       : "heart-disease");
	add_str_or_null(tags, "command", opt.command);
	cJSON_AddStringToObject(tags, "start", start);
	cJSON_AddStringToObject(tags, "end", end);
	cJSON_AddItemToObject(tags, "duration_s",
	                      hd_json_num((double)(now - t0) +
	                                  (msn - ms0) / 1000.0));
	git_tags(opt.git ? opt.git : ".", tags);
	cJSON_AddStringToObject(tags, "hd_version", HD_VERSION);
	cJSON_AddStringToObject(tags, "compiler", compiler());
	{
		char *os = os_name(), host[256] = "unknown";
		/* hd-runs has one thread: getpwuid's buffer is not shared. */
		/* cppcheck-suppress getpwuidCalled */
		struct passwd *pw = getpwuid(geteuid());
		cJSON_AddStringToObject(tags, "os", os);
		free(os);
		cJSON_AddStringToObject(tags, "user",
		                        pw               ? pw->pw_name
		                        : getenv("USER") ? getenv("USER")
		                                         : "unknown");
		if (gethostname(host, sizeof host) != 0)
			strcpy(host, "unknown");
		host[sizeof host - 1] = '\0';
		cJSON_AddStringToObject(tags, "host", host);
	}
	for (size_t i = 0; i < opt.tags.n; i++) {
		char *k;
		const char *v;
		split_kv("tag", opt.tags.v[i], &k, &v);
		cJSON_DeleteItemFromObjectCaseSensitive(tags, k);
		cJSON_AddStringToObject(tags, k, v);
		free(k);
	}

	dataset = new_doc("dataset", id);
	add_str_or_null(dataset, "source", opt.source);
	t = cJSON_AddArrayToObject(dataset, "raw");
	for (size_t i = 0; i < opt.raw.n; i++) {
		/* Flawfinder: ignore: not a security check (no privileges change hands): whether a failed run's file exists to be recorded */
		if (failed && access(opt.raw.v[i], R_OK) != 0)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToArray(t, o);
		if (describe_file(opt.raw.v[i], o) != 0)
			rc = -1;
	}
	{
		const char *csvs[3] = { opt.clean, opt.train, opt.test };
		const char *names[3] = { "clean", "train", "test" };
		for (int i = 0; i < 3; i++) {
			if (!csvs[i] ||
			    /* Flawfinder: ignore: not a security check (no privileges change hands): whether a failed run's file exists to be recorded */
			    (failed && access(csvs[i], R_OK) != 0)) {
				cJSON_AddNullToObject(dataset, names[i]);
				continue;
			}
			if (describe_csv(csvs[i],
			                 cJSON_AddObjectToObject(dataset,
			                                         names[i])) !=
			    0)
				rc = -1;
		}
	}

	sig = new_doc("signature", id);
	add_str_or_null(sig, "model", sel_name);
	add_str_or_null(sig, "kind", sel_kind);
	if (selected) {
		cJSON *s = signature(selected);
		cJSON_AddItemToObject(sig, "inputs",
		                      cJSON_DetachItemFromObject(s, "inputs"));
		cJSON_AddItemToObject(sig, "outputs",
		                      cJSON_DetachItemFromObject(s, "outputs"));
		cJSON_Delete(s);
	}

	manifest = new_doc("manifest", id);
	cJSON_AddItemToObject(manifest, "copy_max",
	                      hd_json_num((double)opt.copy_max));
	t = cJSON_AddArrayToObject(manifest, "files");

	/* The folder, under a temporary name until it is complete. */
	const char *dir = opt.dir;
	if (hd_mkdir_p(dir) != 0)
		rc = -1;
	snprintf(tmpdir, sizeof tmpdir, "%s/.tmp-%s", dir, id);
	while (rc == 0 && mkdir(tmpdir, 0777) != 0) {
		if (errno != EEXIST) {
			hd_err("%s: %s", tmpdir, strerror(errno));
			rc = -1;
			break;
		}
		make_id(t0, ms0, id);
		snprintf(tmpdir, sizeof tmpdir, "%s/.tmp-%s", dir, id);
	}
	if (rc == 0) {
		/* The id may have changed on a clash: stamp every file. */
		cJSON *docs[] = {
			params, metrics, tags, dataset, sig, manifest
		};
		for (size_t i = 0; i < 6; i++)
			cJSON_ReplaceItemInObjectCaseSensitive(docs[i], "run",
			                                       cJSON_CreateString(
								       id));
		for (size_t i = 0; rc == 0 && i < opt.artifacts.n; i++) {
			const char *a = opt.artifacts.v[i];
			cJSON *o;
			struct stat st;
			/* Flawfinder: ignore: not a security check (no privileges change hands): whether a failed run's file exists to be recorded */
			if (failed && access(a, R_OK) != 0)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddItemToArray(t, o);
			if (describe_file(a, o) != 0) {
				rc = -1;
				break;
			}
			cJSON_AddItemToObject(o, "path",
			                      cJSON_DetachItemFromObject(o,
			                                                 "file"));
			if (stat(a, &st) == 0 && st.st_size <= opt.copy_max) {
				char *name = copy_name(a), to[4096], rel[4096];
				snprintf(rel, sizeof rel, "files/%s", name);
				for (int k = 2;; k++) {
					if (snprintf(to, sizeof to, "%s/%s",
					             tmpdir,
					             rel) >= (int)sizeof to ||
					    /* Flawfinder: ignore: not a security check: whether the artifact exists to be recorded */
					    access(to, F_OK) != 0)
						break;
					snprintf(rel, sizeof rel, "files/%d/%s",
					         k, name);
				}
				free(name);
				if (copy_file(a, to) != 0)
					rc = -1;
				cJSON_AddStringToObject(o, "copy", rel);
			} else {
				cJSON_AddNullToObject(o, "copy");
			}
		}
	}
	if (rc == 0 && (write_doc(tmpdir, "params.json", params) != 0 ||
	                write_doc(tmpdir, "metrics.json", metrics) != 0 ||
	                write_doc(tmpdir, "tags.json", tags) != 0 ||
	                write_doc(tmpdir, "dataset.json", dataset) != 0 ||
	                write_doc(tmpdir, "signature.json", sig) != 0 ||
	                write_doc(tmpdir, "manifest.json", manifest) != 0))
		rc = -1;
	snprintf(final, sizeof final, "%s/%s", dir, id);
	if (rc == 0 && rename(tmpdir, final) != 0) {
		hd_err("%s: %s", final, strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		rm_tree(tmpdir);
	} else {
		double x;
		line = cJSON_CreateObject();
		hd_json_set_format(line, INDEX_FORMAT, RUN_VERSION);
		cJSON_AddStringToObject(line, "event", "run");
		cJSON_AddStringToObject(line, "run", id);
		cJSON_AddStringToObject(line, "status", opt.status);
		cJSON_AddStringToObject(line, "start", start);
		cJSON_AddStringToObject(line, "end", end);
		add_str_or_null(line, "experiment", jstr(tags, "experiment"));
		add_str_or_null(line, "commit", jstr(tags, "git_commit"));
		add_str_or_null(line, "selected", sel_name);
		char key[256];
		snprintf(key, sizeof key, "%s.test.roc_auc",
		         sel_name ? sel_name : "");
		if (sel_name &&
		    hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, key),
		                    NULL, &x) == 0)
			cJSON_AddItemToObject(line, "roc_auc", hd_json_num(x));
		else
			cJSON_AddNullToObject(line, "roc_auc");
		if (index_append(dir, line) != 0)
			rc = -1;
		cJSON_Delete(line);
		if (rc == 0)
			printf("%s %s %s\n", id, opt.status, final);
	}
	cJSON_Delete(params);
	cJSON_Delete(metrics);
	cJSON_Delete(tags);
	cJSON_Delete(dataset);
	cJSON_Delete(sig);
	cJSON_Delete(manifest);
done:
	free_named(models, opt.models.n);
	free_named(mets, opt.metrics.n);
	free_named(losos, opt.loso.n);
	cJSON_Delete(selected);
	return rc == 0 ? 0 : HD_EXIT_DATA;
}
