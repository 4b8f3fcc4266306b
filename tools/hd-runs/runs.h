/*
 * tools/hd-runs/runs.h - the parts of hd-runs and what they share.
 *
 *   tools/hd-runs.c    usage, options, main
 *   common.c           times, the index's lock and lines, text output
 *   record.c           record: a run's six files, built and renamed whole
 *   read.c             reading the index and runs; list and gc
 *   show.c             show and diff
 *
 * hd-runs(1) documents the run layout.  Command-line regime (cli.h):
 * these may print and exit.
 */
#ifndef HD_RUNS_H
#define HD_RUNS_H

#include <stddef.h>
#include <time.h>

#include "cli.h"

#define RUN_VERSION 1
#define INDEX_NAME "index.jsonl"
#define INDEX_FORMAT "hd-runs-index"
#define MAX_JSON (64u << 20)

/* A growing list of strings (option arguments, owned by argv). */
struct list {
	const char **v;
	size_t n;
};


/* The options of every command, set once by main. */
struct runs_opt {
	const char *dir;
	int json, all;
	const char *sort;
	long limit, keep;
	/* record */
	const char *status, *step, *message, *start, *command, *experiment;
	const char *selected, *source, *clean, *train, *test, *git;
	struct list params, tags, models, metrics, loso, raw, artifacts;
	long copy_max;
};
extern struct runs_opt opt;
extern const struct hd_usage usage;

struct run {
	char *id;
	cJSON *params, *metrics, *tags, *dataset, *sig, *manifest;
};

struct runs {
	char **id; /* oldest first (ids sort by start time) */
	size_t n;
};

/* hd-runs.c */
void split_kv(const char *optname, const char *arg, char **key,
              const char **value);

/* common.c */
void fmt_utc(time_t t, int ms, char buf[40]);
void add_str_or_null(cJSON *o, const char *key, const char *s);
/* A string member of o, or NULL. */
const char *jstr(const cJSON *o, const char *key);
/* The same for printing: "-" when o has no such string. */
const char *jtext(const cJSON *o, const char *key);
/* An object member of o, or NULL: what to walk for named members. */
const cJSON *jobj(const cJSON *o, const char *key);
int index_append(const char *dir, cJSON *line);
void rm_tree(const char *path);
void show_value(const cJSON *v, char *buf, size_t len);
const char *short_commit(const cJSON *tags, char buf[16]);
void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void endline(void);

/* record.c */
int cmd_record(void);

/* read.c: the index and the runs it lists */
int load_index(struct runs *rs);
void free_runs(struct runs *rs);
long resolve(const struct runs *rs, const char *ref);
int load_run(const char *id, struct run *r);
void free_run(struct run *r);
const cJSON *metric_map(const struct run *r);
double run_metric(const struct run *r, const char *name);
int cmd_list(void);
int cmd_gc(void);

/* show.c */
int cmd_show(char **refs, int nrefs);
int cmd_diff(char **refs, int nrefs);

#endif
