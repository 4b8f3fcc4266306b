/*
 * hd-runs - run records: write one (record), and read them (list, show,
 * diff, gc).
 *
 * A run is a folder DIR/RUN-ID of small JSON files, each with a
 * "format" and "version": params.json, metrics.json, tags.json,
 * dataset.json, signature.json, manifest.json, and files/ with copies
 * of the small artifacts.  DIR/index.jsonl lists the runs, one JSON
 * line each, appended under a lock.  A run's folder is built under a
 * temporary name and renamed into place whole, so a reader never sees
 * half a run, and two recorders never share a folder (mkdir is atomic).
 * hd-runs(1) documents the layout.
 */
#define _GNU_SOURCE     /* timegm, getrandom */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <dirent.h>
#include <math.h>
#include <pwd.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static const struct hd_usage usage = {
	"[-d DIR] list [-j] [--sort METRIC] [-n N]\n"
	"       hd-runs [-d DIR] show [-j] RUN\n"
	"       hd-runs [-d DIR] diff [-j] [-a] RUN RUN\n"
	"       hd-runs [-d DIR] gc --keep N\n"
	"       hd-runs [-d DIR] record [--status S] [--step STEP] [--message TEXT]\n"
	"               [--start UTC] [--command TEXT] [--experiment NAME]\n"
	"               [--param KEY=VALUE]... [--tag KEY=VALUE]...\n"
	"               [--model NAME=FILE]... [--metrics NAME=FILE]...\n"
	"               [--loso NAME=FILE]... [--selected FILE] [--source SRC]\n"
	"               [--raw FILE]... [--clean FILE] [--train FILE] [--test FILE]\n"
	"               [--artifact FILE]... [--copy-max BYTES] [--git DIR]",
	"Record pipeline runs and read them back.  A run is named by its id,\n"
	"a unique prefix of it, - (the latest run) or ~N (N runs before it).\n"
	"\n"
	"Commands:\n"
	"  list [--sort METRIC] [--limit N]   the runs, newest (or best) first\n"
	"  show RUN                           one run: models, data, provenance\n"
	"  diff RUN RUN [--all]               params, metrics and data side by\n"
	"                                     side; only what differs unless --all\n"
	"  gc --keep N                        remove all but the newest N runs\n"
	"  record [record options]            write a run (make pipeline does)\n"
	"\n"
	"  -d, --dir DIR         the runs folder (default $HD_RUNS_DIR, else\n"
	"                        artifacts/runs)\n"
	"  -j, --json            print JSON for scripts instead of text\n"
	"      --sort METRIC     list: best first by a metric: a full name\n"
	"                        (rf.test.roc_auc) or one of the selected model's\n"
	"                        (roc_auc, cv.roc_auc_mean); brier, log_loss, ece\n"
	"                        and std sort low first, others high first\n"
	"  -n, --limit N         list: at most N runs\n"
	"  -a, --all             diff: every entry, the same ones too\n"
	"      --keep N          gc: how many of the newest runs to keep\n"
	"\n"
	"Record options:\n"
	"      --status S        finished (default) or failed (a failed run\n"
	"                        keeps no --model, --metrics, --loso, --selected)\n"
	"      --step STEP       failed: the step that failed\n"
	"      --message TEXT    failed: what it said\n"
	"      --start UTC       when the run began, YYYY-MM-DDTHH:MM:SS[.mmm]Z\n"
	"                        (default now); the id is made from it\n"
	"      --command TEXT    the command that ran\n"
	"      --experiment NAME (default heart-disease)\n"
	"      --param KEY=VALUE an option that shaped the result (repeatable)\n"
	"      --tag KEY=VALUE   a tag, over the ones collected (repeatable)\n"
	"      --model NAME=FILE a model file: its hyperparameters (repeatable)\n"
	"      --metrics NAME=FILE  its hd-eval metrics (repeatable)\n"
	"      --loso NAME=FILE  its hd-loso figures (repeatable)\n"
	"      --selected FILE   the hd-select output: selection and signature\n"
	"      --source SRC      where the raw data came from\n"
	"      --raw FILE        a raw data file (repeatable)\n"
	"      --clean FILE      the clean CSV: digest, rows, columns, classes\n"
	"      --train FILE, --test FILE  the split's two parts\n"
	"      --artifact FILE   an output for the manifest (repeatable)\n"
	"      --copy-max BYTES  copy artifacts up to this size (default 1048576)\n"
	"      --git DIR         the checkout to describe (default .)\n"
	"      --help            show this help\n"
	"      --version         show the version\n",
};

#define RUN_VERSION 1
#define INDEX_NAME "index.jsonl"
#define INDEX_FORMAT "hd-runs-index"
#define MAX_JSON (64u << 20)

enum {
	O_SORT = 0x100, O_KEEP, O_STATUS, O_STEP, O_MESSAGE, O_START, O_COMMAND,
	O_EXPERIMENT, O_PARAM, O_TAG, O_MODEL, O_METRICS, O_LOSO, O_SELECTED,
	O_SOURCE, O_RAW, O_CLEAN, O_TRAIN, O_TEST, O_ARTIFACT, O_COPY_MAX, O_GIT,
};

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "sort", required_argument, NULL, O_SORT },
	{ "limit", required_argument, NULL, 'n' },
	{ "all", no_argument, NULL, 'a' },
	{ "keep", required_argument, NULL, O_KEEP },
	{ "status", required_argument, NULL, O_STATUS },
	{ "step", required_argument, NULL, O_STEP },
	{ "message", required_argument, NULL, O_MESSAGE },
	{ "start", required_argument, NULL, O_START },
	{ "command", required_argument, NULL, O_COMMAND },
	{ "experiment", required_argument, NULL, O_EXPERIMENT },
	{ "param", required_argument, NULL, O_PARAM },
	{ "tag", required_argument, NULL, O_TAG },
	{ "model", required_argument, NULL, O_MODEL },
	{ "metrics", required_argument, NULL, O_METRICS },
	{ "loso", required_argument, NULL, O_LOSO },
	{ "selected", required_argument, NULL, O_SELECTED },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "raw", required_argument, NULL, O_RAW },
	{ "clean", required_argument, NULL, O_CLEAN },
	{ "train", required_argument, NULL, O_TRAIN },
	{ "test", required_argument, NULL, O_TEST },
	{ "artifact", required_argument, NULL, O_ARTIFACT },
	{ "copy-max", required_argument, NULL, O_COPY_MAX },
	{ "git", required_argument, NULL, O_GIT },
	HD_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* A growing list of strings (option arguments, owned by argv). */
struct list {
	const char **v;
	size_t n;
};

static void list_add(struct list *l, const char *s)
{
	l->v = hd_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = s;
}

static struct {
	const char *dir;
	int json, all;
	const char *sort;
	long limit, keep;
	/* record */
	const char *status, *step, *message, *start, *command, *experiment;
	const char *selected, *source, *clean, *train, *test, *git;
	struct list params, tags, models, metrics, loso, raw, artifacts;
	long copy_max;
} opt = { .limit = -1, .keep = -1, .copy_max = 1 << 20 };

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

/* Split "NAME=VALUE" at the first '='; exit 2 if there is none. */
static void split_kv(const char *optname, const char *arg, char **key,
                     const char **value)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg) {
		hd_err("--%s: '%s' is not NAME=VALUE", optname, arg);
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	*key = hd_xstrdup(arg);
	(*key)[eq - arg] = '\0';
	*value = eq + 1;
}

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

/* "2026-12-01T11:58:21.123Z" -> seconds and milliseconds; 0 or -1. */
static int parse_utc(const char *s, time_t *t, int *ms)
{
	struct tm tm = { 0 };
	int n = 0, len = (int)strlen(s);
	char frac[4] = "000";

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	           &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
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
	if (n != len - 1 || s[n] != 'Z' || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	*ms = atoi(frac);
	return 0;
}

static void fmt_utc(time_t t, int ms, char buf[40])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_year %= 10000;    /* four digits, whatever the clock says */
	snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, ms);
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

static void add_str_or_null(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* ---------------------------------------------------------------------
 * record
 * ------------------------------------------------------------------- */

/* Metrics kept from an hd-eval file, and where they go in the run:
 * a name matches by fnmatch on its dotted path. */
static const char *const eval_keep[] = {
	"test.n", "test.threshold", "test.accuracy", "test.precision",
	"test.recall", "test.f1", "test.roc_auc", "test.brier", "test.log_loss",
	"test.confusion.*", "test.calibration.*", "test.intervals.*.lo",
	"test.intervals.*.hi", "test.youden.threshold", "model.cv.folds",
	"model.cv.mean", "model.cv.std", "model.cv.calibration.*",
	"subgroups.*.*.n", "subgroups.*.*.roc_auc", "subgroups.*.*.accuracy",
	"subgroups.*.*.intervals.roc_auc.lo", "subgroups.*.*.intervals.roc_auc.hi",
	NULL
};
static const char *const loso_keep[] = {
	"sites.*.test.n", "sites.*.test.roc_auc", "sites.*.test.accuracy",
	"sites.*.test.brier", "sites.*.test.intervals.roc_auc.lo",
	"sites.*.test.intervals.roc_auc.hi", NULL
};

/* Renamed prefixes, so that names read as what they are. */
static const char *rename_path(const char *path, char *buf, size_t len)
{
	static const struct { const char *from, *to; } map[] = {
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
		if (hd_json_get_num(node, NULL, &x) != 0 || !keep_path(path, keep))
			return;
		if (snprintf(name, sizeof name, "%s.%s", prefix,
		             rename_path(path, buf, sizeof buf)) >= (int)sizeof name)
			return;
		if (!cJSON_GetObjectItemCaseSensitive(out, name))
			cJSON_AddItemToObject(out, name, hd_json_num(x));
		return;
	}
	if (!cJSON_IsObject(node))
		return;
	cJSON_ArrayForEach(c, node) {
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
	if (failed && access(path, R_OK) != 0)
		return NULL;
	return hd_json_read(path, fmt, 1);
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
		if (!(*out)[i].doc && !(failed && access((*out)[i].file, R_OK) != 0))
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
	struct tm tm;
	uint16_t r = 0;

	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint16_t)(getpid() ^ clock());
	gmtime_r(&t, &tm);
	snprintf(id, 48, "%04d%02d%02dT%02d%02d%02d.%03dZ-%04x",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, ms, r);
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
	cJSON_AddItemToObject(o, "rows", hd_json_num((double)(rows < 0 ? 0 : rows)));
	cJSON_AddItemToObject(o, "columns", hd_json_num((double)cols));
	if (target >= 0) {
		cJSON *c = cJSON_AddObjectToObject(o, "class_counts");
		cJSON_AddItemToObject(c, "0", hd_json_num((double)cls[0]));
		cJSON_AddItemToObject(c, "1", hd_json_num((double)cls[1]));
		if (other)
			cJSON_AddItemToObject(c, "other", hd_json_num((double)other));
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
				if (snprintf(pretty, sizeof pretty, "%s; ", v) >= (int)sizeof pretty)
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
#define GIT(...) { "git", "-C", (char *)dir, __VA_ARGS__, NULL }
	char *const c_commit[] = GIT("rev-parse", "HEAD");
	char *const c_branch[] = GIT("symbolic-ref", "--short", "-q", "HEAD");
	char *const c_status[] = GIT("status", "--porcelain");
	char *const c_diff[] = GIT("diff", "--binary", "HEAD");
	char *const c_untr[] = GIT("ls-files", "-z", "--others", "--exclude-standard");
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
	*strrchr(tmp, '/') = '\0';     /* to is always DIR/files/NAME */
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

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return hd_json_write(path, doc);
}

/* Append one line to the index, under its lock. */
static int index_append(const char *dir, cJSON *line)
{
	char path[4096];
	char *text = cJSON_PrintUnformatted(line);
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/" INDEX_NAME, dir);
	if (!text)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		hd_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(text);
		return -1;
	}
	size_t n = strlen(text);
	text[n] = '\n';
	if (write(fd, text, n + 1) != (ssize_t)(n + 1) || fsync(fd) != 0) {
		hd_err("%s: %s", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	free(text);
	return rc;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			char sub[4096];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			struct stat st;
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(sub);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* The signature of a model file: its features as the server reads them
 * and the two fields it answers. */
static cJSON *signature(const cJSON *model)
{
	cJSON *in = cJSON_CreateArray(), *out = cJSON_CreateArray(), *s, *o;
	const cJSON *f, *feats = cJSON_GetObjectItemCaseSensitive(model, "features");

	cJSON_ArrayForEach(f, feats) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(f, "kind");
		const cJSON *levels = cJSON_GetObjectItemCaseSensitive(f, "levels");
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "name", cJSON_Duplicate(name, 1));
		cJSON_AddItemToObject(o, "kind", cJSON_Duplicate(kind, 1));
		cJSON_AddStringToObject(o, "type", "number");
		if (levels)
			cJSON_AddItemToObject(o, "levels", cJSON_Duplicate(levels, 1));
		cJSON_AddItemToArray(in, o);
	}
	s = cJSON_CreateObject();
	cJSON_AddItemToObject(s, "inputs", in);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "prediction");
	cJSON_AddStringToObject(o, "type", "integer");
	cJSON_AddItemToObject(o, "values", cJSON_CreateIntArray((int[]){ 0, 1 }, 2));
	cJSON_AddItemToArray(out, o);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "probability");
	cJSON_AddStringToObject(o, "type", "number");
	cJSON_AddItemToObject(o, "range", cJSON_CreateIntArray((int[]){ 0, 1 }, 2));
	cJSON_AddItemToArray(out, o);
	cJSON_AddItemToObject(s, "outputs", out);
	return s;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

static int cmd_record(void)
{
	int failed, rc = 0;
	time_t t0, now;
	int ms0, msn;
	struct timespec ts;
	char id[48], start[40], end[40], tmpdir[4096], final[4096];
	struct named *models = NULL, *mets = NULL, *losos = NULL;
	cJSON *selected = NULL;
	cJSON *params, *metrics, *tags, *dataset, *sig, *manifest, *m, *t, *line;
	const char *sel_name = NULL, *sel_kind = NULL;

	if (!opt.status)
		opt.status = "finished";
	if (strcmp(opt.status, "finished") != 0 && strcmp(opt.status, "failed") != 0) {
		hd_err("--status: '%s' is neither finished nor failed", opt.status);
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	failed = strcmp(opt.status, "failed") == 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;
	msn = (int)(ts.tv_nsec / 1000000);
	if (opt.start) {
		if (parse_utc(opt.start, &t0, &ms0) != 0) {
			hd_err("--start: '%s' is not YYYY-MM-DDTHH:MM:SS[.mmm]Z", opt.start);
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
	if (load_named(&opt.models, "model", "hd-model", failed, &models) != 0 ||
	    load_named(&opt.metrics, "metrics", HD_METRICS_FORMAT, failed, &mets) != 0 ||
	    load_named(&opt.loso, "loso", "hd-loso", failed, &losos) != 0)
		rc = -1;
	if (opt.selected) {
		selected = read_input(opt.selected, "hd-model", failed);
		if (!selected && !(failed && access(opt.selected, R_OK) != 0))
			rc = -1;
	}
	if (rc != 0)
		goto done;

	/* The selected model's name: the --model whose file it names. */
	if (selected) {
		const cJSON *sel = cJSON_GetObjectItemCaseSensitive(selected, "selection");
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
		const cJSON *h, *hp = cJSON_GetObjectItemCaseSensitive(models[i].doc,
		                                                        "hyperparameters");
		cJSON_ArrayForEach(h, hp) {
			char k[256];
			snprintf(k, sizeof k, "%s.%s", models[i].name, h->string);
			cJSON_AddItemToObject(m, k, cJSON_Duplicate(h, 1));
		}
	}

	metrics = new_doc("metrics", id);
	add_str_or_null(metrics, "selected", sel_name);
	add_str_or_null(metrics, "selected_kind", sel_kind);
	{
		const cJSON *sel = cJSON_GetObjectItemCaseSensitive(selected, "selection");
		add_str_or_null(metrics, "selected_by", jstr(sel, "metric"));
		add_str_or_null(metrics, "reason", jstr(sel, "reason"));
	}
	m = cJSON_AddObjectToObject(metrics, "metrics");
	for (size_t i = 0; i < opt.metrics.n; i++) {
		char path[1024] = "";
		if (mets[i].doc)
			flatten(mets[i].doc, path, 0, sizeof path, eval_keep, mets[i].name, m);
	}
	for (size_t i = 0; i < opt.loso.n; i++) {
		char path[1024] = "";
		if (losos[i].doc)
			flatten(losos[i].doc, path, 0, sizeof path, loso_keep, losos[i].name, m);
	}

	tags = new_doc("tags", id);
	cJSON_AddStringToObject(tags, "status", opt.status);
	add_str_or_null(tags, "step", opt.step);
	add_str_or_null(tags, "message", opt.message);
	cJSON_AddStringToObject(tags, "experiment",
	                        opt.experiment ? opt.experiment : "heart-disease");
	add_str_or_null(tags, "command", opt.command);
	cJSON_AddStringToObject(tags, "start", start);
	cJSON_AddStringToObject(tags, "end", end);
	cJSON_AddItemToObject(tags, "duration_s",
	                      hd_json_num((double)(now - t0) + (msn - ms0) / 1000.0));
	git_tags(opt.git ? opt.git : ".", tags);
	cJSON_AddStringToObject(tags, "hd_version", HD_VERSION);
	cJSON_AddStringToObject(tags, "compiler", compiler());
	{
		char *os = os_name(), host[256] = "unknown";
		struct passwd *pw = getpwuid(geteuid());
		cJSON_AddStringToObject(tags, "os", os);
		free(os);
		cJSON_AddStringToObject(tags, "user", pw ? pw->pw_name :
		                        getenv("USER") ? getenv("USER") : "unknown");
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
			if (!csvs[i] || (failed && access(csvs[i], R_OK) != 0)) {
				cJSON_AddNullToObject(dataset, names[i]);
				continue;
			}
			if (describe_csv(csvs[i], cJSON_AddObjectToObject(dataset, names[i])) != 0)
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
	cJSON_AddItemToObject(manifest, "copy_max", hd_json_num((double)opt.copy_max));
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
		cJSON *docs[] = { params, metrics, tags, dataset, sig, manifest };
		for (size_t i = 0; i < 6; i++)
			cJSON_ReplaceItemInObjectCaseSensitive(docs[i], "run",
			                                      cJSON_CreateString(id));
		for (size_t i = 0; rc == 0 && i < opt.artifacts.n; i++) {
			const char *a = opt.artifacts.v[i];
			cJSON *o;
			struct stat st;
			if (failed && access(a, R_OK) != 0)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddItemToArray(t, o);
			if (describe_file(a, o) != 0) {
				rc = -1;
				break;
			}
			cJSON_AddItemToObject(o, "path", cJSON_DetachItemFromObject(o, "file"));
			if (stat(a, &st) == 0 && st.st_size <= opt.copy_max) {
				char *name = copy_name(a), to[4096], rel[4096];
				snprintf(rel, sizeof rel, "files/%s", name);
				for (int k = 2; ; k++) {
					if (snprintf(to, sizeof to, "%s/%s", tmpdir, rel) >= (int)sizeof to ||
					    access(to, F_OK) != 0)
						break;
					snprintf(rel, sizeof rel, "files/%d/%s", k, name);
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
		snprintf(key, sizeof key, "%s.test.roc_auc", sel_name ? sel_name : "");
		if (sel_name && hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, key),
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

/* ---------------------------------------------------------------------
 * Text output: a line is built, then printed without trailing blanks
 * ------------------------------------------------------------------- */

static char outline[8192];
static size_t outlen;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(outline + outlen, sizeof outline - outlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		outlen = outlen + (size_t)n < sizeof outline ? outlen + (size_t)n
		                                             : sizeof outline - 1;
}

static void endline(void)
{
	while (outlen > 0 && outline[outlen - 1] == ' ')
		outlen--;
	outline[outlen] = '\0';
	puts(outline);
	outlen = 0;
}

/* ---------------------------------------------------------------------
 * Reading runs
 * ------------------------------------------------------------------- */

struct run {
	char *id;
	cJSON *params, *metrics, *tags, *dataset, *sig, *manifest;
};

struct runs {
	char **id;              /* oldest first (ids sort by start time) */
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_exists(const char *id)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s/tags.json", opt.dir, id);
	return stat(path, &st) == 0;
}

/* The runs the index lists and not removed since, whose folders exist. */
static void free_runs(struct runs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->id[i]);
	free(rs->id);
}

static int load_index(struct runs *rs)
{
	char path[4096], err[256];
	size_t len;
	char *text;
	long lineno = 0;

	rs->id = NULL;
	rs->n = 0;
	snprintf(path, sizeof path, "%s/" INDEX_NAME, opt.dir);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (!(text = hd_read_file(path, MAX_JSON, &len, err, sizeof err))) {
		hd_err("%s: %s", path, err);
		return -1;
	}
	for (char *s = text, *nl; s < text + len; s = nl + 1) {
		long l, c;
		char why[256];
		cJSON *o;
		nl = memchr(s, '\n', (size_t)(text + len - s));
		if (!nl)
			nl = text + len;
		lineno++;
		if (nl == s)
			continue;
		if (!(o = hd_json_parse(s, (size_t)(nl - s), &l, &c))) {
			hd_err_at(path, lineno, c, "not a JSON line");
			free(text);
			free_runs(rs);
			return -1;
		}
		if (hd_json_check_format(o, INDEX_FORMAT, RUN_VERSION, why, sizeof why) != 0) {
			hd_err_at(path, lineno, 0, "%s", why);
			cJSON_Delete(o);
			free(text);
			free_runs(rs);
			return -1;
		}
		const char *ev = jstr(o, "event"), *id = jstr(o, "run");
		if (ev && id && strcmp(ev, "run") == 0) {
			rs->id = hd_xrealloc(rs->id, (rs->n + 1) * sizeof *rs->id);
			rs->id[rs->n++] = hd_xstrdup(id);
		} else if (ev && id && strcmp(ev, "removed") == 0) {
			for (size_t i = 0; i < rs->n; i++)
				if (strcmp(rs->id[i], id) == 0) {
					free(rs->id[i]);
					rs->id[i] = rs->id[--rs->n];
					break;
				}
		}
		cJSON_Delete(o);
	}
	free(text);
	qsort(rs->id, rs->n, sizeof *rs->id, cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < rs->n; i++) {
		if ((k > 0 && strcmp(rs->id[k - 1], rs->id[i]) == 0) ||
		    !run_exists(rs->id[i]))
			free(rs->id[i]);
		else
			rs->id[k++] = rs->id[i];
	}
	rs->n = k;
	return 0;
}

/* Which run a name means: -, ~N, an id or a unique prefix of one.
 * Its index, or -1 after saying why. */
static long resolve(const struct runs *rs, const char *ref)
{
	long found = -1;
	size_t n = strlen(ref);

	if (rs->n == 0) {
		hd_err("%s: no runs recorded", opt.dir);
		return -1;
	}
	if (strcmp(ref, "-") == 0)
		return (long)rs->n - 1;
	if (ref[0] == '~') {
		long back;
		if (hd_parse_long(ref + 1, 0, 1L << 30, &back) != 0) {
			hd_err("'%s' is not ~N", ref);
			return -1;
		}
		if ((size_t)back >= rs->n) {
			hd_err("%s: only %zu run%s recorded", ref, rs->n, rs->n == 1 ? "" : "s");
			return -1;
		}
		return (long)rs->n - 1 - back;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (strncmp(rs->id[i], ref, n) == 0) {
			if (strcmp(rs->id[i], ref) == 0)
				return (long)i;
			if (found >= 0) {
				hd_err("'%s' names more than one run (%s, %s)", ref,
				       rs->id[found], rs->id[i]);
				return -1;
			}
			found = (long)i;
		}
	if (found < 0)
		hd_err("%s: no run '%s'", opt.dir, ref);
	return found;
}

static cJSON *read_part(const char *id, const char *kind)
{
	char path[4096], fmt[64];

	snprintf(path, sizeof path, "%s/%s/%s.json", opt.dir, id, kind);
	snprintf(fmt, sizeof fmt, "hd-run-%s", kind);
	return hd_json_read(path, fmt, RUN_VERSION);
}

static void free_run(struct run *r)
{
	cJSON_Delete(r->params);
	cJSON_Delete(r->metrics);
	cJSON_Delete(r->tags);
	cJSON_Delete(r->dataset);
	cJSON_Delete(r->sig);
	cJSON_Delete(r->manifest);
	memset(r, 0, sizeof *r);
}

static int load_run(const char *id, struct run *r)
{
	memset(r, 0, sizeof *r);
	r->id = (char *)id;
	if (!(r->params = read_part(id, "params")) ||
	    !(r->metrics = read_part(id, "metrics")) ||
	    !(r->tags = read_part(id, "tags")) ||
	    !(r->dataset = read_part(id, "dataset")) ||
	    !(r->sig = read_part(id, "signature")) ||
	    !(r->manifest = read_part(id, "manifest"))) {
		free_run(r);
		return -1;
	}
	return 0;
}

static const cJSON *metric_map(const struct run *r)
{
	return cJSON_GetObjectItemCaseSensitive(r->metrics, "metrics");
}

/* A metric of a run by the name --sort takes; NaN when it has none. */
static double run_metric(const struct run *r, const char *name)
{
	const cJSON *m = metric_map(r);
	const char *sel = jstr(r->metrics, "selected");
	char key[512];
	double x;

	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, name), NULL, &x) == 0)
		return x;
	if (!sel)
		return NAN;
	snprintf(key, sizeof key, "%s.test.%s", sel, name);
	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, key), NULL, &x) == 0)
		return x;
	snprintf(key, sizeof key, "%s.%s", sel, name);
	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, key), NULL, &x) == 0)
		return x;
	return NAN;
}

/* Which way --sort orders a metric: the figure's own direction
 * (hd_figure_list) by its last name, and a spread (roc_auc_std) low. */
static int lower_is_better(const char *name)
{
	const char *last = strrchr(name, '.');
	const struct hd_figure *f;

	last = last ? last + 1 : name;
	if ((f = hd_figure_find(last)))
		return f->better < 0;
	return strstr(last, "std") != NULL;
}

/* A value as people read it: numbers to 6 significant digits. */
static void show_value(const cJSON *v, char *buf, size_t len)
{
	double x;

	if (!v || cJSON_IsNull(v))
		snprintf(buf, len, "-");
	else if (cJSON_IsString(v))
		snprintf(buf, len, "%s", v->valuestring[0] ? v->valuestring : "\"\"");
	else if (cJSON_IsBool(v))
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (hd_json_get_num(v, NULL, &x) == 0)
		snprintf(buf, len, "%.6g", x);
	else {
		char *s = cJSON_PrintUnformatted(v);
		snprintf(buf, len, "%s", s ? s : "?");
		free(s);
	}
}

static const char *short_commit(const cJSON *tags, char buf[16])
{
	const char *c = jstr(tags, "git_commit");

	if (!c)
		return "-";
	snprintf(buf, 16, "%.7s%s", c,
	         cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tags, "git_dirty")) ? "+" : "");
	return buf;
}

/* ---------------------------------------------------------------------
 * list
 * ------------------------------------------------------------------- */

struct row {
	struct run r;
	double key;
	size_t order;
};

static int sort_low;

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (isnan(x->key) != isnan(y->key))
		return isnan(x->key) ? 1 : -1;
	if (!isnan(x->key) && x->key != y->key)
		return (x->key < y->key) == sort_low ? -1 : 1;
	return x->order < y->order ? 1 : -1;     /* newer first */
}

static void num_cell(double x, int width)
{
	if (isnan(x))
		emit("  %-*s", width, "-");
	else
		emit("  %-*.4f", width, x);
}

static int cmd_list(void)
{
	struct runs rs;
	struct row *rows;
	size_t n = 0;
	int rc = 0;

	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	rows = hd_xcalloc(rs.n ? rs.n : 1, sizeof *rows);
	for (size_t i = 0; i < rs.n; i++) {
		if (load_run(rs.id[i], &rows[n].r) != 0) {
			rc = HD_EXIT_DATA;
			continue;
		}
		rows[n].order = i;
		rows[n].key = opt.sort ? run_metric(&rows[n].r, opt.sort) : (double)i;
		n++;
	}
	sort_low = opt.sort ? lower_is_better(opt.sort) : 0;
	qsort(rows, n, sizeof *rows, cmp_rows);
	if (opt.limit >= 0 && (size_t)opt.limit < n) {
		for (size_t i = (size_t)opt.limit; i < n; i++)
			free_run(&rows[i].r);
		n = (size_t)opt.limit;
	}
	if (opt.json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			struct run *r = &rows[i].r;
			cJSON *o = cJSON_CreateObject();
			const char *keys[] = { "status", "experiment", "start", "end",
			                       "command", "git_commit", "step", "message" };
			cJSON_AddStringToObject(o, "run", r->id);
			for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
				cJSON_AddItemToObject(o, keys[k], cJSON_Duplicate(
					cJSON_GetObjectItemCaseSensitive(r->tags, keys[k]), 1));
			cJSON_AddItemToObject(o, "selected", cJSON_Duplicate(
				cJSON_GetObjectItemCaseSensitive(r->metrics, "selected"), 1));
			double x = run_metric(r, "roc_auc");
			cJSON_AddItemToObject(o, "roc_auc", isnan(x) ? cJSON_CreateNull() : hd_json_num(x));
			if (opt.sort) {
				x = rows[i].key;
				cJSON_AddItemToObject(o, opt.sort, isnan(x) ? cJSON_CreateNull() : hd_json_num(x));
			}
			cJSON_AddItemToArray(a, o);
		}
		if (hd_json_write("-", a) != 0)
			rc = HD_EXIT_DATA;
		cJSON_Delete(a);
	} else if (n > 0) {
		int extra = opt.sort && strcmp(opt.sort, "roc_auc") != 0 &&
		            strcmp(opt.sort, "accuracy") != 0 &&
		            strcmp(opt.sort, "cv.roc_auc_mean") != 0;
		emit("%-26s  %-8s  %-8s  %-7s  %-8s  %-7s  %-8s  %-8s",
		     "RUN", "STATUS", "SELECTED", "ROC-AUC", "ACCURACY", "CV-AUC",
		     "COMMIT", "SECONDS");
		if (extra)
			emit("  %s", opt.sort);
		endline();
		for (size_t i = 0; i < n; i++) {
			struct run *r = &rows[i].r;
			const char *st = jstr(r->tags, "status"), *sel = jstr(r->metrics, "selected");
			char cbuf[16];
			double d = NAN;
			hd_json_get_num(cJSON_GetObjectItemCaseSensitive(r->tags, "duration_s"), NULL, &d);
			emit("%-26s  %-8s  %-8s", r->id, st ? st : "-", sel ? sel : "-");
			num_cell(run_metric(r, "roc_auc"), 7);
			num_cell(run_metric(r, "accuracy"), 8);
			num_cell(run_metric(r, "cv.roc_auc_mean"), 7);
			emit("  %-8s", short_commit(r->tags, cbuf));
			if (isnan(d))
				emit("  %-8s", "-");
			else
				emit("  %-8.1f", d);
			if (extra)
				num_cell(rows[i].key, 0);
			endline();
		}
	}
	for (size_t i = 0; i < n; i++)
		free_run(&rows[i].r);
	free(rows);
	free_runs(&rs);
	return rc;
}

/* ---------------------------------------------------------------------
 * show
 * ------------------------------------------------------------------- */

/* The models a run has figures for, in the order of its metrics. */
static size_t model_names(const struct run *r, const char *names[8])
{
	const cJSON *c;
	size_t n = 0;

	cJSON_ArrayForEach(c, metric_map(r)) {
		const char *dot = strchr(c->string, '.');
		if (!dot || strcmp(dot, ".test.roc_auc") != 0 || n == 8)
			continue;
		size_t k = (size_t)(dot - c->string);
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen |= strlen(names[i]) == k && !strncmp(names[i], c->string, k);
		if (!seen)
			names[n++] = c->string;     /* a prefix: use with its length */
	}
	return n;
}

static size_t name_len(const char *s)
{
	return strcspn(s, ".");
}

static double mget(const struct run *r, const char *model, size_t mlen,
                   const char *suffix)
{
	char key[512];
	double x;

	snprintf(key, sizeof key, "%.*s.%s", (int)mlen, model, suffix);
	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(metric_map(r), key),
	                    NULL, &x) == 0)
		return x;
	return NAN;
}

/* One row of the models table: the figure and its interval, or ± std. */
static void model_row(const struct run *r, const char **names, size_t n,
                      const char *label, const char *key, const char *ci,
                      const char *sd)
{
	int any = 0;
	char cell[64];

	for (size_t i = 0; i < n; i++)
		any |= !isnan(mget(r, names[i], name_len(names[i]), key));
	if (!any)
		return;
	emit("  %-24s", label);
	for (size_t i = 0; i < n; i++) {
		size_t k = name_len(names[i]);
		double x = mget(r, names[i], k, key);
		char lo_key[256], hi_key[256];
		if (isnan(x)) {
			emit("  %-26s", "-");
			continue;
		}
		snprintf(lo_key, sizeof lo_key, "%s.lo", ci ? ci : "");
		snprintf(hi_key, sizeof hi_key, "%s.hi", ci ? ci : "");
		double lo = ci ? mget(r, names[i], k, lo_key) : NAN;
		double hi = ci ? mget(r, names[i], k, hi_key) : NAN;
		double s = sd ? mget(r, names[i], k, sd) : NAN;
		if (!isnan(lo) && !isnan(hi))
			snprintf(cell, sizeof cell, "%.4f [%.4f, %.4f]", x, lo, hi);
		else if (!isnan(s))
			snprintf(cell, sizeof cell, "%.4f sd %.4f", x, s);
		else
			snprintf(cell, sizeof cell, "%.4f", x);
		emit("  %-26s", cell);
	}
	endline();
}

static void show_csv_line(const char *label, const cJSON *o)
{
	const cJSON *cc = cJSON_GetObjectItemCaseSensitive(o, "class_counts");
	double rows = NAN, cols = NAN, c0 = NAN, c1 = NAN;
	const char *sha = jstr(o, "sha256");

	if (!cJSON_IsObject(o))
		return;
	hd_json_get_num(o, "rows", &rows);
	hd_json_get_num(o, "columns", &cols);
	hd_json_get_num(cc, "0", &c0);
	hd_json_get_num(cc, "1", &c1);
	emit("  %-8s %s: %.0f rows, %.0f columns", label, jstr(o, "file"), rows, cols);
	if (!isnan(c0))
		emit(", target 0: %.0f, 1: %.0f", c0, c1);
	endline();
	emit("  %-8s sha256 %s", "", sha ? sha : "-");
	endline();
}

static void show_text(const struct run *r, size_t nruns)
{
	const char *names[8];
	size_t n = model_names(r, names);
	char buf[512];
	const cJSON *c, *t = r->tags;
	double d = NAN;
	static const char *const tag_lines[][2] = {
		{ "status", "status" }, { "step", "step" }, { "message", "message" },
		{ "command", "command" }, { "start", "started" }, { "end", "ended" },
	};

	emit("%-12s%s", "run", r->id);
	endline();
	emit("%-12s%s (%zu run%s in %s)", "experiment", jstr(t, "experiment"),
	     nruns, nruns == 1 ? "" : "s", opt.dir);
	endline();
	for (size_t i = 0; i < sizeof tag_lines / sizeof tag_lines[0]; i++) {
		const char *v = jstr(t, tag_lines[i][0]);
		if (!v)
			continue;
		emit("%-12s%s", tag_lines[i][1], v);
		if (!strcmp(tag_lines[i][0], "end") &&
		    hd_json_get_num(t, "duration_s", &d) == 0)
			emit(" (%.1f s)", d);
		endline();
	}
	const char *sel = jstr(r->metrics, "selected");
	if (sel) {
		emit("%-12s%s (%s) by %s", "selected", sel, jstr(r->metrics, "selected_kind"),
		     jstr(r->metrics, "selected_by") ? jstr(r->metrics, "selected_by") : "?");
		endline();
		if (jstr(r->metrics, "reason")) {
			emit("%-12s%s", "", jstr(r->metrics, "reason"));
			endline();
		}
	}
	if (n > 0) {
		endline();
		emit("%-26s", "models");
		for (size_t i = 0; i < n; i++)
			emit("  %-26.*s", (int)name_len(names[i]), names[i]);
		endline();
		/* The test figures every hd tool shows, in their order. */
		for (size_t i = 0; i < hd_nfigures; i++) {
			const struct hd_figure *f = &hd_figure_list[i];
			char key[128], ci[128];
			snprintf(key, sizeof key, "test.%s%s%s", f->group ? f->group : "",
			         f->group ? "." : "", f->name);
			snprintf(ci, sizeof ci, "test.intervals.%s", f->interval ? f->interval : "");
			model_row(r, names, n, f->label, key, f->interval ? ci : NULL, NULL);
		}
		model_row(r, names, n, "CV ROC-AUC", "cv.roc_auc_mean", NULL, "cv.roc_auc_std");
		model_row(r, names, n, "Youden threshold", "test.youden.threshold", NULL, NULL);
		/* Subgroups and left-out sites, named as the first model has them. */
		size_t k0 = name_len(names[0]);
		cJSON_ArrayForEach(c, metric_map(r)) {
			const char *key = c->string + k0 + 1;
			char label[128], sub[256], ci[256];
			if (strncmp(c->string, names[0], k0) || c->string[k0] != '.')
				continue;
			size_t kl = strlen(key);
			if (!strncmp(key, "subgroups.", 10) && kl > 18 &&
			    !strcmp(key + kl - 8, ".roc_auc")) {
				snprintf(label, sizeof label, "ROC-AUC %.*s", (int)(kl - 18), key + 10);
				for (char *p = label; *p; p++)
					if (*p == '.')
						*p = ' ';
				snprintf(sub, sizeof sub, "%s", key);
				snprintf(ci, sizeof ci, "%.*s.intervals.roc_auc", (int)(kl - 8), key);
				model_row(r, names, n, label, sub, ci, NULL);
			} else if (!strncmp(key, "loso.", 5) && kl > 18 &&
			           !strcmp(key + kl - 13, ".test.roc_auc")) {
				snprintf(label, sizeof label, "LOSO ROC-AUC %.*s", (int)(kl - 18), key + 5);
				snprintf(sub, sizeof sub, "%s", key);
				snprintf(ci, sizeof ci, "%.*s.intervals.roc_auc", (int)(kl - 8), key);
				model_row(r, names, n, label, sub, ci, NULL);
			}
		}
	}
	endline();
	emit("dataset");
	endline();
	emit("  %-8s %s", "source", jstr(r->dataset, "source") ? jstr(r->dataset, "source") : "-");
	endline();
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r->dataset, "raw")) {
		double b = NAN;
		hd_json_get_num(c, "bytes", &b);
		emit("  %-8s %s: %.0f bytes, sha256 %s", "raw", jstr(c, "file"), b,
		     jstr(c, "sha256"));
		endline();
	}
	show_csv_line("clean", cJSON_GetObjectItemCaseSensitive(r->dataset, "clean"));
	show_csv_line("train", cJSON_GetObjectItemCaseSensitive(r->dataset, "train"));
	show_csv_line("test", cJSON_GetObjectItemCaseSensitive(r->dataset, "test"));
	endline();
	emit("params");
	endline();
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r->params, "params")) {
		show_value(c, buf, sizeof buf);
		emit("  %-24s %s", c->string, buf);
		endline();
	}
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(r->sig, "inputs");
	if (cJSON_GetArraySize(in) > 0) {
		endline();
		emit("signature   %d inputs -> prediction (0 or 1), probability",
		     cJSON_GetArraySize(in));
		endline();
		cJSON_ArrayForEach(c, in) {
			const cJSON *lv = cJSON_GetObjectItemCaseSensitive(c, "levels");
			emit("  %-24s %s", jstr(c, "name"), jstr(c, "kind"));
			if (lv) {
				char *s = cJSON_PrintUnformatted(lv);
				emit(" %s", s);
				free(s);
			}
			endline();
		}
	}
	endline();
	emit("reproducibility");
	endline();
	{
		char cbuf[16];
		const char *br = jstr(t, "git_branch"), *dh = jstr(t, "git_diff_sha256");
		emit("  %-10s %s", "git", short_commit(t, cbuf));
		if (jstr(t, "git_commit"))
			emit(" %s (%s, %s)", jstr(t, "git_commit"), br ? br : "detached",
			     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "git_dirty"))
			     ? "dirty" : "clean");
		endline();
		if (dh) {
			emit("  %-10s sha256 %s", "diff", dh);
			endline();
		}
		static const char *const keys[] = { "hd_version", "compiler", "os", "user", "host" };
		static const char *const labels[] = { "hd", "compiler", "os", "user", "host" };
		for (size_t i = 0; i < 5; i++) {
			emit("  %-10s %s", labels[i], jstr(t, keys[i]) ? jstr(t, keys[i]) : "-");
			endline();
		}
	}
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(r->manifest, "files");
	int copied = 0;
	cJSON_ArrayForEach(c, files)
		copied += jstr(c, "copy") != NULL;
	endline();
	emit("artifacts   %d files, %d copied into %s/%s/files", cJSON_GetArraySize(files),
	     copied, opt.dir, r->id);
	endline();
	cJSON_ArrayForEach(c, files) {
		double b = NAN;
		hd_json_get_num(c, "bytes", &b);
		emit("  %-46s %9.0f  %.12s", jstr(c, "path"), b, jstr(c, "sha256"));
		endline();
	}
}

static int cmd_show(char **refs, int nrefs)
{
	struct runs rs;
	struct run r;
	long i;
	int rc = 0;

	if (nrefs != 1) {
		hd_err("show takes one RUN");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	if ((i = resolve(&rs, refs[0])) < 0 || load_run(rs.id[i], &r) != 0) {
		free_runs(&rs);
		return HD_EXIT_DATA;
	}
	if (opt.json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "run", r.id);
		cJSON_AddItemReferenceToObject(o, "tags", r.tags);
		cJSON_AddItemReferenceToObject(o, "params", r.params);
		cJSON_AddItemReferenceToObject(o, "metrics", r.metrics);
		cJSON_AddItemReferenceToObject(o, "dataset", r.dataset);
		cJSON_AddItemReferenceToObject(o, "signature", r.sig);
		cJSON_AddItemReferenceToObject(o, "manifest", r.manifest);
		rc = hd_json_write("-", o) == 0 ? 0 : HD_EXIT_DATA;
		cJSON_Delete(o);
	} else {
		show_text(&r, rs.n);
	}
	free_run(&r);
	free_runs(&rs);
	return rc;
}

/* ---------------------------------------------------------------------
 * diff
 * ------------------------------------------------------------------- */

/* What diff compares of the data: its origin and each file's facts,
 * raw files by name, as one flat object. */
static cJSON *flat_dataset(const cJSON *ds)
{
	cJSON *f = cJSON_CreateObject();
	const cJSON *c;
	static const char *const parts[] = { "clean", "train", "test" };

	cJSON_AddItemToObject(f, "source", cJSON_Duplicate(
		cJSON_GetObjectItemCaseSensitive(ds, "source"), 1));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(ds, "raw")) {
		const char *file = jstr(c, "file"), *base;
		char key[512];
		if (!file)
			continue;
		base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		snprintf(key, sizeof key, "raw.%s.sha256", base);
		cJSON_AddItemToObject(f, key, cJSON_Duplicate(
			cJSON_GetObjectItemCaseSensitive(c, "sha256"), 1));
		snprintf(key, sizeof key, "raw.%s.bytes", base);
		cJSON_AddItemToObject(f, key, cJSON_Duplicate(
			cJSON_GetObjectItemCaseSensitive(c, "bytes"), 1));
	}
	for (size_t i = 0; i < 3; i++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ds, parts[i]);
		static const char *const keys[] = { "sha256", "rows", "columns" };
		char key[256];
		if (!cJSON_IsObject(o))
			continue;
		for (size_t k = 0; k < 3; k++) {
			snprintf(key, sizeof key, "%s.%s", parts[i], keys[k]);
			cJSON_AddItemToObject(f, key, cJSON_Duplicate(
				cJSON_GetObjectItemCaseSensitive(o, keys[k]), 1));
		}
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "class_counts")) {
			snprintf(key, sizeof key, "%s.class_counts.%s", parts[i], c->string);
			cJSON_AddItemToObject(f, key, cJSON_Duplicate(c, 1));
		}
	}
	return f;
}

static cJSON *flat_metrics(const cJSON *m)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddItemToObject(f, "selected", cJSON_Duplicate(
		cJSON_GetObjectItemCaseSensitive(m, "selected"), 1));
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(m, "metrics"))
		cJSON_AddItemToObject(f, c->string, cJSON_Duplicate(c, 1));
	return f;
}

static int same_value(const cJSON *a, const cJSON *b)
{
	double x, y;

	if (!a || !b)
		return !a && !b;
	if (hd_json_get_num(a, NULL, &x) == 0 && hd_json_get_num(b, NULL, &y) == 0 &&
	    !cJSON_IsNull(a) && !cJSON_IsNull(b))
		return x == y;
	return cJSON_Compare(a, b, 1);
}

/* Compare two flat objects: every entry that differs (all with --all)
 * appended to changes as {section, key, change, a, b, delta}. */
static void diff_section(const char *section, const cJSON *a, const cJSON *b,
                         cJSON *changes)
{
	const cJSON *c;

	for (int pass = 0; pass < 2; pass++) {
		cJSON_ArrayForEach(c, (cJSON *)(pass == 0 ? a : b)) {
			const cJSON *va = cJSON_GetObjectItemCaseSensitive(a, c->string);
			const cJSON *vb = cJSON_GetObjectItemCaseSensitive(b, c->string);
			const char *change;
			double x, y, delta = NAN;
			if (pass == 1 && va)
				continue;       /* seen in the first pass */
			if (!va)
				change = "added";
			else if (!vb)
				change = "removed";
			else if (same_value(va, vb))
				change = "same";
			else
				change = "changed";
			if (!strcmp(change, "same") && !opt.all)
				continue;
			if (!strcmp(change, "changed") && !cJSON_IsNull(va) &&
			    !cJSON_IsNull(vb) && !cJSON_IsString(va) && !cJSON_IsString(vb) &&
			    hd_json_get_num(va, NULL, &x) == 0 &&
			    hd_json_get_num(vb, NULL, &y) == 0)
				delta = y - x;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "section", section);
			cJSON_AddStringToObject(o, "key", c->string);
			cJSON_AddStringToObject(o, "change", change);
			cJSON_AddItemToObject(o, "a", va ? cJSON_Duplicate(va, 1) : cJSON_CreateNull());
			cJSON_AddItemToObject(o, "b", vb ? cJSON_Duplicate(vb, 1) : cJSON_CreateNull());
			cJSON_AddItemToObject(o, "delta", isnan(delta) ? cJSON_CreateNull()
			                                               : hd_json_num(delta));
			cJSON_AddItemToArray(changes, o);
		}
	}
}

/* The changes as a table: a mark (~ changed, + only in B, - only in A,
 * blank the same), the name, A, B and B - A for numbers. */
static void diff_text(const cJSON *changes)
{
	const cJSON *c;
	int wk = 0, wa = 1, wb = 1;
	const char *section = NULL;
	char sa[256], sb[256];

	cJSON_ArrayForEach(c, changes) {
		int k = (int)strlen(jstr(c, "key"));
		show_value(cJSON_GetObjectItemCaseSensitive(c, "a"), sa, sizeof sa);
		show_value(cJSON_GetObjectItemCaseSensitive(c, "b"), sb, sizeof sb);
		wk = k > wk ? k : wk;
		wa = (int)strlen(sa) > wa ? (int)strlen(sa) : wa;
		wb = (int)strlen(sb) > wb ? (int)strlen(sb) : wb;
	}
	if (wa < 6)
		wa = 6;
	if (wb < 6)
		wb = 6;
	if (!cJSON_GetArraySize(changes)) {
		emit("no differences in params, metrics or dataset");
		endline();
		return;
	}
	emit("  %-*s  %-*s  %-*s  %s", wk, "", wa, "A", wb, "B", "B - A");
	endline();
	cJSON_ArrayForEach(c, changes) {
		const char *ch = jstr(c, "change");
		const cJSON *va = cJSON_GetObjectItemCaseSensitive(c, "a");
		const cJSON *vb = cJSON_GetObjectItemCaseSensitive(c, "b");
		double d;
		if (!section || strcmp(section, jstr(c, "section")) != 0) {
			section = jstr(c, "section");
			emit("%s", section);
			endline();
		}
		show_value(va, sa, sizeof sa);
		show_value(vb, sb, sizeof sb);
		if (!strcmp(ch, "added"))
			strcpy(sa, "(none)");
		if (!strcmp(ch, "removed"))
			strcpy(sb, "(none)");
		emit("%c %-*s  %-*s  %-*s", !strcmp(ch, "same") ? ' ' :
		     !strcmp(ch, "changed") ? '~' : !strcmp(ch, "added") ? '+' : '-',
		     wk, jstr(c, "key"), wa, sa, wb, sb);
		if (hd_json_get_num(c, "delta", &d) == 0 && !isnan(d))
			emit("  %+.6g", d);
		endline();
	}
}

static int cmd_diff(char **refs, int nrefs)
{
	struct runs rs;
	struct run ra, rb;
	long ia, ib;
	int rc = 0;

	if (nrefs != 2) {
		hd_err("diff takes two RUNs");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	if ((ia = resolve(&rs, refs[0])) < 0 || (ib = resolve(&rs, refs[1])) < 0 ||
	    load_run(rs.id[ia], &ra) != 0) {
		free_runs(&rs);
		return HD_EXIT_DATA;
	}
	if (load_run(rs.id[ib], &rb) != 0) {
		free_run(&ra);
		free_runs(&rs);
		return HD_EXIT_DATA;
	}
	const char *sections[3] = { "params", "metrics", "dataset" };
	cJSON *fa[3], *fb[3];
	fa[0] = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ra.params, "params"), 1);
	fb[0] = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rb.params, "params"), 1);
	fa[1] = flat_metrics(ra.metrics);
	fb[1] = flat_metrics(rb.metrics);
	fa[2] = flat_dataset(ra.dataset);
	fb[2] = flat_dataset(rb.dataset);
	cJSON *o = cJSON_CreateObject(), *ch;
	cJSON_AddStringToObject(o, "a", ra.id);
	cJSON_AddStringToObject(o, "b", rb.id);
	ch = cJSON_AddArrayToObject(o, "changes");
	for (int s = 0; s < 3; s++)
		diff_section(sections[s], fa[s], fb[s], ch);
	if (opt.json) {
		rc = hd_json_write("-", o) == 0 ? 0 : HD_EXIT_DATA;
	} else {
		const struct run *both[2] = { &ra, &rb };
		for (int k = 0; k < 2; k++) {
			char cbuf[16];
			const char *cmd = jstr(both[k]->tags, "command");
			emit("%c %s  %s  %s  %s", k ? 'B' : 'A', both[k]->id,
			     jstr(both[k]->tags, "status"), short_commit(both[k]->tags, cbuf),
			     cmd ? cmd : "");
			endline();
		}
		diff_text(ch);
	}
	cJSON_Delete(o);
	for (int s = 0; s < 3; s++) {
		cJSON_Delete(fa[s]);
		cJSON_Delete(fb[s]);
	}
	free_run(&ra);
	free_run(&rb);
	free_runs(&rs);
	return rc;
}

/* ---------------------------------------------------------------------
 * gc
 * ------------------------------------------------------------------- */

static int cmd_gc(void)
{
	struct runs rs;
	int rc = 0;

	if (opt.keep < 0) {
		hd_err("gc needs --keep N");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	for (size_t i = 0; i + (size_t)opt.keep < rs.n; i++) {
		char path[4096], now[40];
		struct timespec ts;
		cJSON *line = cJSON_CreateObject();
		snprintf(path, sizeof path, "%s/%s", opt.dir, rs.id[i]);
		rm_tree(path);
		clock_gettime(CLOCK_REALTIME, &ts);
		fmt_utc(ts.tv_sec, (int)(ts.tv_nsec / 1000000), now);
		hd_json_set_format(line, INDEX_FORMAT, RUN_VERSION);
		cJSON_AddStringToObject(line, "event", "removed");
		cJSON_AddStringToObject(line, "run", rs.id[i]);
		cJSON_AddStringToObject(line, "time", now);
		if (index_append(opt.dir, line) != 0)
			rc = HD_EXIT_DATA;
		else
			printf("removed %s\n", rs.id[i]);
		cJSON_Delete(line);
	}
	free_runs(&rs);
	return rc;
}

/* ---------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	int c;
	const char *cmd;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "d:jn:a", longopts, NULL)) != -1) {
		hd_common_opt(c, &usage);
		switch (c) {
		case 'd': opt.dir = optarg; break;
		case 'j': opt.json = 1; break;
		case 'n': opt.limit = hd_opt_long("--limit", optarg, 0, 1L << 30); break;
		case 'a': opt.all = 1; break;
		case O_SORT: opt.sort = optarg; break;
		case O_KEEP: opt.keep = hd_opt_long("--keep", optarg, 0, 1L << 30); break;
		case O_STATUS: opt.status = optarg; break;
		case O_STEP: opt.step = optarg; break;
		case O_MESSAGE: opt.message = optarg; break;
		case O_START: opt.start = optarg; break;
		case O_COMMAND: opt.command = optarg; break;
		case O_EXPERIMENT: opt.experiment = optarg; break;
		case O_PARAM: list_add(&opt.params, optarg); break;
		case O_TAG: list_add(&opt.tags, optarg); break;
		case O_MODEL: list_add(&opt.models, optarg); break;
		case O_METRICS: list_add(&opt.metrics, optarg); break;
		case O_LOSO: list_add(&opt.loso, optarg); break;
		case O_SELECTED: opt.selected = optarg; break;
		case O_SOURCE: opt.source = optarg; break;
		case O_RAW: list_add(&opt.raw, optarg); break;
		case O_CLEAN: opt.clean = optarg; break;
		case O_TRAIN: opt.train = optarg; break;
		case O_TEST: opt.test = optarg; break;
		case O_ARTIFACT: list_add(&opt.artifacts, optarg); break;
		case O_COPY_MAX: opt.copy_max = hd_opt_long("--copy-max", optarg, 0, 1L << 40); break;
		case O_GIT: opt.git = optarg; break;
		default: hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		hd_err("no command (list, show, diff, gc or record)");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (!opt.dir)
		opt.dir = getenv("HD_RUNS_DIR") && *getenv("HD_RUNS_DIR")
		          ? getenv("HD_RUNS_DIR") : "artifacts/runs";
	cmd = argv[optind++];
	char **rest = argv + optind;
	int nrest = argc - optind;

	/* Options that belong to another command are usage errors. */
	struct { const char *cmd; int used; const char *what; } misuse[] = {
		{ "list", opt.sort != NULL, "--sort" },
		{ "list", opt.limit >= 0, "--limit" },
		{ "diff", opt.all, "--all" },
		{ "gc", opt.keep >= 0, "--keep" },
		{ "record", opt.status || opt.step || opt.message || opt.start ||
		            opt.command || opt.experiment || opt.selected || opt.source ||
		            opt.clean || opt.train || opt.test || opt.git ||
		            opt.params.n || opt.tags.n || opt.models.n || opt.metrics.n ||
		            opt.loso.n || opt.raw.n || opt.artifacts.n, "a record option" },
	};
	for (size_t i = 0; i < sizeof misuse / sizeof misuse[0]; i++)
		if (misuse[i].used && strcmp(cmd, misuse[i].cmd) != 0) {
			hd_err("%s is for %s, not %s", misuse[i].what, misuse[i].cmd, cmd);
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
	int rc;
	if (!strcmp(cmd, "list") || !strcmp(cmd, "gc") || !strcmp(cmd, "record")) {
		if (nrest != 0) {
			hd_err("%s takes no operands ('%s')", cmd, rest[0]);
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
		if (opt.json && strcmp(cmd, "list") != 0) {
			hd_err("--json is for list, show and diff");
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
		rc = !strcmp(cmd, "list") ? cmd_list() : !strcmp(cmd, "gc") ? cmd_gc()
		                                                            : cmd_record();
	} else if (!strcmp(cmd, "show")) {
		rc = cmd_show(rest, nrest);
	} else if (!strcmp(cmd, "diff")) {
		rc = cmd_diff(rest, nrest);
	} else {
		hd_err("no command '%s' (list, show, diff, gc or record)", cmd);
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	free(opt.params.v);
	free(opt.tags.v);
	free(opt.models.v);
	free(opt.metrics.v);
	free(opt.loso.v);
	free(opt.raw.v);
	free(opt.artifacts.v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		hd_err("standard output: %s", strerror(errno));
		return HD_EXIT_DATA;
	}
	return rc;
}
