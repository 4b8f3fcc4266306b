/*
 * fcgi.h - the responder's internal API: one struct server holding the
 * process state, and the modules that work on it.
 *
 *   hd-fcgi.c    settings, start-up, the request loop, routing, answers
 *   text.c       answer buffers, JSON strings and numbers, operator log
 *   counters.c   counters shared by the workers (/dev/shm), snapshots
 *   metrics.c    GET /metrics: JSON and Prometheus text of a snapshot
 *   served.c     the served model: load, hot reload, the last verified
 *                copy a restart falls back to, --check
 *   validate.c   request bodies: JSON parsed in an arena, checked field
 *                by field into FastAPI's error shape
 *   predict.c    POST /predict; the body reading and the scoring of a
 *                patient (and its counting) that infer shares
 *   oipreq.c     the Open Inference Protocol's paths and infer bodies:
 *                parsed and checked into patients, errors in its shape
 *   oip.c        the Open Inference Protocol (KServe v2 REST): /v2,
 *                health live/ready, model metadata and ready, infer
 *   status.c     GET /health, /openapi.json, /docs; lighttpd's errors
 *   auth.c       bearer tokens (HD_API_TOKENS): the digests, the check
 *   drift.c      each feature's values per reference bin, counted in the
 *                shared counters, and the PSI gauges of /metrics
 *
 * The pure parts (text.c, counters.c's arithmetic, metrics.c's
 * formatting, validate.c, oipreq.c, auth.c) take what they work on as arguments and never
 * touch `server`, so the unit tests (tests/unit/fcgi_test.c) link them
 * alone (tests/unit/oip_test.c links oipreq.c).  Like the library core (hd.h), nothing on the request path
 * prints to stdout, exits or aborts: a request that cannot be served
 * gets its error answer and the loop goes on.
 */
#ifndef HD_FCGI_H
#define HD_FCGI_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <fcgiapp.h>

#include "model.h"

/* ---------------------------------------------------------------------
 * Settings (hd-fcgi.c)
 * ------------------------------------------------------------------- */

struct settings {
	const char *model;   /* model file path, NULL = none configured */
	const char *openapi; /* OpenAPI document path */
	const char *docs;    /* documentation page path */
	const char *shm_id;  /* counters' name, NULL = from the socket */
	long max_body;       /* bytes of a request body we accept */
	long max_batch;      /* patients in one request */
	double threshold;    /* predict 1 when p >= threshold */
	long reload_ms;      /* stat() the model at most this often */
	int slot_base;       /* first counter slot of this worker group */
	long read_timeout;   /* seconds a body may stall before 408 */
	const char *tokens;  /* HD_API_TOKENS file, NULL = no access control */
};

/* ---------------------------------------------------------------------
 * Text (text.c)
 *
 * Answers are built in memory, so that Content-Length is known and a
 * failure half-way (out of memory) can still turn into a clean 500.
 * ------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	int oom; /* a growth failed: the content is incomplete */
};

int buf_grow(struct buf *b, size_t more);
void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A JSON string; control characters escaped, other bytes as they are. */
void buf_json_str(struct buf *b, const char *s);
/* A number that reads back as exactly x; null for NaN or infinity. */
void buf_json_num(struct buf *b, double x);
/* Replace the content with {"detail": "..."}, FastAPI's HTTPException. */
void buf_detail(struct buf *b, const char *detail);
/* Empty b, and give its memory back if it grew past keep bytes. */
void buf_reset(struct buf *b, size_t keep);
void buf_free(struct buf *b);

/* A line for the operator: lighttpd's breakage log, time-stamped. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double seconds_between(const struct timespec *a, const struct timespec *b);

/* ---------------------------------------------------------------------
 * Shared counters (counters.c)
 *
 * One file in /dev/shm per server instance, mapped by every worker.
 * Worker N (its socket is "<socket>-N") owns slot N and adds to it with
 * relaxed atomic increments; /metrics sums the slots.  A slot belongs
 * to one lighttpd process (its "epoch" is lighttpd's pid): a worker
 * respawned by the same lighttpd, or after a graceful restart, keeps
 * the counts of its slot; the first worker of a new lighttpd starts
 * its slot from zero, and slots of another epoch are not summed.
 * ------------------------------------------------------------------- */

#define NCODES 16
#define NSTATUS (NCODES + 1) /* the last one counts the others */
extern const int status_code[NCODES];
#define NBOUNDS 17
#define NBUCKETS (NBOUNDS + 1)
/* Upper bounds of the latency buckets, seconds (25 us to 5 s); one more
 * for +Inf. */
extern const double bucket_le[NBOUNDS];

/*
 * What a request asked for, as the bounded "route" label of the request
 * metrics: route() sets it before it answers.
 */
enum route {
	R_OTHER,   /* anything else, lighttpd's own errors (the default) */
	R_PREDICT, /* POST /predict */
	R_INFER,   /* POST /v2/models/{name}[/versions/{v}]/infer */
	R_HEALTH,  /* /health, /v2/health/live|ready, .../ready */
	R_META,    /* /v2, /v2/models/{name}[/versions/{v}] */
	R_METRICS, /* /metrics */
	R_DOCS,    /* /, /docs, /openapi.json, OPTIONS * */
	NROUTES
};
extern const char *const route_name[NROUTES];

/*
 * The request counters are by route: C_STATUS + r * NSTATUS + status
 * index, C_BUCKET + r * NBUCKETS + bucket (not cumulative) and
 * C_ROUTE_NS + r (the latencies' sum, nanoseconds).  C_REQUESTS counts
 * them all, for the per-worker figure.
 */
enum counter {
	C_REQUESTS,
	C_PREDICTIONS,
	C_POSITIVE,
	C_NEGATIVE,
	C_BATCHES,
	C_IMPUTED,
	C_UNSEEN,
	C_RELOADS,
	C_REFUSED,
	C_STATUS,                                   /* NROUTES x NSTATUS */
	C_BUCKET = C_STATUS + NROUTES * NSTATUS,    /* NROUTES x NBUCKETS */
	C_ROUTE_NS = C_BUCKET + NROUTES * NBUCKETS, /* NROUTES */
	NCOUNTERS = C_ROUTE_NS + NROUTES
};

/* Drift bins of one slot: per feature, then the scores (drift.c). */
#define NDRIFT (HD_NFEAT + 1)

/* One cache line at least per worker, so that workers never share one. */
struct slot {
	_Alignas(64) _Atomic uint64_t
		epoch;           /* lighttpd's pid owning the counts */
	_Atomic uint64_t pid;    /* the worker now in the slot */
	_Atomic uint64_t starts; /* workers that took the slot */
	_Atomic uint64_t c[NCOUNTERS];
	/* The model the drift bins belong to (the first 16 hex digits of
	 * its SHA-256 as a number, 0 = none): they mean something only for
	 * the reference profile of that model. */
	_Atomic uint64_t drift_model;
	_Atomic uint64_t bins[NDRIFT][HD_DRIFT_MAXBINS];
};

#define NSLOTS 128
/*
 * Slots from here on belong to the error group, the one worker that
 * gives lighttpd's own errors their JSON bodies (lighttpd.conf.in sets
 * its HD_SLOT_BASE to this); /metrics names each worker's group.
 */
#define ERROR_SLOT_BASE 64

struct shm {
	_Alignas(64) _Atomic uint64_t magic;
	/* The epoch in which a worker last wrote the verified copy of the
	 * model (served.c); a worker of another lighttpd ignores it. */
	_Atomic uint64_t model_epoch;
	struct slot slot[NSLOTS];
};

struct counters {
	struct shm *shm; /* mapped, or private when sharing failed */
	int shared;      /* shm is the shared file */
	struct slot *me; /* this worker's slot */
	int slot;
	uint64_t epoch;
	char path[200]; /* for the operator: /dev/shm/hd-fcgi-ID-v1 */
};

/*
 * Map the counters named id (NULL: from the socket on fd 0), or fall
 * back to private ones and say so; this worker's slot is slot_base
 * plus its socket's "-N".  -1 only when out of memory.
 */
int counters_open(struct counters *c, const char *id, int slot_base);
/* Private counters of the given epoch, slot 0: for tests and fallbacks. */
int counters_open_private(struct counters *c, uint64_t epoch);
void counters_close(struct counters *c);
void counters_add(struct counters *c, enum counter k, uint64_t n);
/* One request of route answered: its status and latency. */
void counters_request(struct counters *c, enum route rt, int status,
                      double seconds);
/* Index of status in status_code[], NCODES for any other. */
int status_index(int status);

/* The counters of every worker of this server at one moment. */
struct snapshot {
	uint64_t t[NCOUNTERS]; /* sums over the workers */
	int nworkers;
	struct {
		int slot;
		uint64_t pid, starts, requests;
	} worker[NSLOTS];
	int shared;
	/* The drift bins of the slots whose drift_model is this worker's. */
	uint64_t drift_model;
	uint64_t bins[NDRIFT][HD_DRIFT_MAXBINS];
};
void counters_snapshot(const struct counters *c, struct snapshot *s);

/* ---------------------------------------------------------------------
 * Drift (drift.c)
 *
 * Every patient scored adds one to the bin of each feature's value and
 * of its score, in this worker's slot: HD_NFEAT + 1 relaxed atomic
 * adds.  The bins count since the model was loaded (by this lighttpd):
 * a reload of another model starts them from zero.  /metrics sums them
 * over the workers serving the same model and compares them with the
 * model's reference profile (hd_psi), as hd-drift does with a file.
 * ------------------------------------------------------------------- */

/* The model id of the drift bins: its SHA-256's first 64 bits. */
uint64_t drift_model_id(const struct hd_model *m);
/* m is now served: keep the slot's bins if they are m's, else zero them. */
void drift_reset(struct counters *c, const struct hd_model *m);
/* One patient x (NaN = missing) scored p by m. */
void drift_observe(struct counters *c, const struct hd_model *m,
                   const double x[HD_NFEAT], double p);

struct drift_view {
	int on;        /* the model has a profile and s holds its bins */
	uint64_t rows; /* patients counted */
	double psi[HD_NFEAT];
	double score_psi;
};
/* What the snapshot's bins say against m's profile. */
void drift_view(const struct snapshot *s, const struct hd_model *m,
                struct drift_view *v);
void metrics_drift_json(struct buf *b, const struct drift_view *v);
void metrics_drift_prometheus(struct buf *b, const struct drift_view *v);

/* ---------------------------------------------------------------------
 * Metrics formatting (metrics.c)
 * ------------------------------------------------------------------- */

/*
 * What the formatters print besides the counters: the routes' label
 * values (route_name in the server), the model served (hd_model_info,
 * hd_model_up) and the build (hd_build_info).
 */
struct metrics_info {
	const char *const *routes; /* NROUTES names */
	int model_up;              /* the worker that answers serves a model */
	/* The model's labels, when model_up; created may be NULL. */
	const char *name, *version, *kind, *sha256, *created;
	const char *build_version, *build_compiler;
};

void metrics_json(struct buf *b, const struct snapshot *s,
                  const struct metrics_info *mi, const struct drift_view *dv);
void metrics_prometheus(struct buf *b, const struct snapshot *s,
                        const struct metrics_info *mi,
                        const struct drift_view *dv);
/*
 * Prometheus when asked: ?format=prometheus, or an Accept header that
 * names text/plain or OpenMetrics (as scrapers send) and not JSON.
 */
int wants_prometheus(const char *query, const char *accept);

/* ---------------------------------------------------------------------
 * Request bodies (validate.c)
 * ------------------------------------------------------------------- */

/*
 * cJSON's allocations go through hooks.  While a request body is
 * parsed they come from an arena that is reset after the request, so
 * a patient costs no malloc/free pairs; what does not fit, a large
 * batch, goes to malloc.  Outside a request (model loads) it is all
 * malloc.
 */
struct arena {
	unsigned char *base;
	size_t size, used;
	int active;
	int oom; /* an allocation failed while active */
};
int arena_init(struct arena *a, size_t size);
/* Route cJSON's allocations through a (once per process). */
void arena_install(struct arena *a);
void arena_free(struct arena *a);

/* Patients of one request: n of them, x is n x HD_NFEAT, NaN = null. */
struct patients {
	long n;
	int is_batch;      /* the body was an array */
	double *x;         /* max_batch x HD_NFEAT, owned by the caller */
	uint16_t *imputed; /* max_batch bit sets over hd_features */
};

/* Build the index that matches JSON keys to features (once). */
void validate_init(void);
/*
 * Parse and check a /predict body text[0..len) (NUL-terminated) into p
 * (x and imputed with room for max_batch).  0 when every patient is
 * valid; else the HTTP status (400 malformed JSON, 422 invalid
 * content, 500 out of memory) with the error answer's body in out.
 * errs is scratch for the error list.
 */
int validate_body(const char *text, size_t len, long max_batch, struct arena *a,
                  struct buf *errs, struct buf *out, struct patients *p);
/*
 * cJSON_ParseWithLength of text[0..len) with its allocations in a (the
 * text passed hd_json_strict already).  NULL when cJSON refused it, or
 * when memory ran out (then a->oom is set).
 */
cJSON *arena_parse(struct arena *a, const char *text, size_t len);

/* ---------------------------------------------------------------------
 * Open Inference Protocol requests (oipreq.c)
 *
 * Pure: a path or a body in, what it asks for (or the error answer
 * {"error": "..."}) out.
 * ------------------------------------------------------------------- */

enum oip_kind {
	OIP_NONE,        /* under /v2 but no endpoint: 404 */
	OIP_SERVER,      /* /v2: server metadata */
	OIP_LIVE,        /* /v2/health/live */
	OIP_READY,       /* /v2/health/ready */
	OIP_MODEL,       /* /v2/models/N[/versions/V]: model metadata */
	OIP_MODEL_READY, /* /v2/models/N[/versions/V]/ready */
	OIP_INFER        /* /v2/models/N[/versions/V]/infer */
};

/* What an OIP path names; name and version point into the path. */
struct oip_path {
	enum oip_kind kind;
	const char *name, *version; /* version NULL: none in the path */
	size_t name_len, version_len;
};

/* Is path under /v2 ("/v2", "/v2/...", or a REQUEST_URI's "/v2?...")?
 * 1 or 0. */
int oip_is_v2(const char *path);
/* The endpoint of a path under /v2. */
void oip_path_parse(const char *path, struct oip_path *t);

/* The outputs of the model, in their default order. */
enum oip_output { OIP_PROBABILITY, OIP_PREDICTION, OIP_NOUTPUTS };
extern const char *const oip_output_name[OIP_NOUTPUTS];

/* What an infer body asks for besides its patients. */
struct oip_want {
	int nout;                          /* outputs to answer, 1 or 2 */
	enum oip_output out[OIP_NOUTPUTS]; /* in the answer's order */
	int has_id; /* "id" given: id holds it as JSON text */
};

/*
 * How much of a client's text s[0..n) a message quotes: at most 64
 * bytes, and never a cut UTF-8 sequence or bytes that are not UTF-8
 * (the longest valid prefix), so that the answer stays valid JSON.
 */
size_t oip_cut(const char *s, size_t n);
/* An {"error": msg} answer body in out. */
void oip_error(struct buf *out, const char *msg);
/*
 * Parse and check an infer body text[0..len) (NUL-terminated) into p
 * (room for max_batch patients) and w; the request's "id" as a JSON
 * string in id.  0 when every patient is valid; else the HTTP status
 * (400 for anything wrong in the body, 500 out of memory) with the
 * {"error": "..."} answer in out.
 */
int oip_parse(const char *text, size_t len, long max_batch, struct arena *a,
              struct buf *id, struct buf *out, struct patients *p,
              struct oip_want *w);

/* ---------------------------------------------------------------------
 * Access control (auth.c)
 * ------------------------------------------------------------------- */

struct tokens {
	uint8_t (*sha)[32]; /* SHA-256 digests of the tokens accepted */
	size_t n;
	int on; /* a token file is configured (n may be 0: nobody gets in) */
};

enum auth { AUTH_OK, AUTH_MISSING, AUTH_INVALID };

/*
 * Read the digests in path; 0, or -1 with "PATH:LINE:COL: why" (or the
 * I/O error) in err.  t is empty after a failure.
 */
int tokens_load(struct tokens *t, const char *path, char *err, size_t errlen);
void tokens_free(struct tokens *t);
/* The verdict on an Authorization header value (NULL: none sent). */
enum auth tokens_check(const struct tokens *t, const char *authorization);
/* REMOTE_ADDR is the loopback (127.0.0.0/8, ::1, ::ffff:127.x.y.z). */
int remote_is_loopback(const char *addr);

/* ---------------------------------------------------------------------
 * The served model (served.c)
 * ------------------------------------------------------------------- */

struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct served {
	struct hd_model m;
	int ok;              /* m holds a model */
	int restored;        /* m came from the last verified copy */
	double *z;           /* scratch of m.prep.dim doubles */
	char *identity;      /* JSON object text: kind, sha256, created */
	char *detail;        /* the same with path, load time, ... */
	char *refused;       /* JSON object text of the last refusal, or NULL */
	char why[600];       /* when !ok: why no model can be served */
	struct file_id seen; /* the file last examined */
	int seen_valid;
	int checked_once;
	struct timespec checked;
	char copy[220]; /* the last verified copy's path, "" = none */
};

/* At start-up: load the model, or fall back to the verified copy. */
void served_start(void);
/* Before a request: reload the file if it changed. */
void served_watch(const struct timespec *now);
void served_drop(void);
/* hd-fcgi --check MODEL: load, print identity and load time. */
int served_check(const char *path);

/* ---------------------------------------------------------------------
 * Requests and endpoints (hd-fcgi.c, predict.c, status.c)
 *
 * enum route, the label of the request metrics, is with the counters.
 * ------------------------------------------------------------------- */

/* The FastCGI parameters we use, gathered in one pass over envp. */
struct params {
	const char *method, *path_info, *script_name, *content_length;
	const char *content_type, *query, *accept;
	const char *redirect_uri, *redirect_status, *request_uri;
	const char *authorization, *remote_addr;
};

struct req {
	FCGX_Request *fr;
	struct params pm;
	const char *method;
	const char *path; /* PATH_INFO under fix-root-scriptname */
	long clen;        /* CONTENT_LENGTH */
	long consumed;    /* body bytes read so far */
	int head;         /* HEAD: the answer has no body */
	int status;
	enum route route;
	const char *ctype;            /* of the answer */
	const char *allow;            /* Allow header of a 405, else NULL */
	const char *www_authenticate; /* the challenge of a 401, else NULL */
};

const char *reason_phrase(int status);
/* An error answer {"detail": "..."}. */
void fail(struct req *q, int status, const char *detail);
void method_not_allowed(struct req *q, const char *allow);

void ep_predict(struct req *q);

/* One patient's scores, added up over a request (predict.c). */
struct tally {
	uint64_t n, positive, negative, imputed, unseen;
};
/* The class of probability p: 1 when p >= the threshold. */
int predicted(double p);
/*
 * Score patient x (NaN = missing; imputed, the bit set of those
 * features) with the served model: its probability in *p, its class
 * (p >= threshold) returned, the number of its unseen levels in
 * *unseen; counted in t and in the drift bins.
 */
int score_patient(const double *x, uint16_t imputed, double *p, int *unseen,
                  struct tally *t);
/* The tally of an answered request into the shared counters. */
void tally_commit(const struct tally *t, int batch);
/* An error answer in the shape of its endpoint (fail, oip_fail). */
typedef void fail_fn(struct req *q, int status, const char *msg);
/*
 * Read the request body into server.body, NUL-terminated: 0, or -1
 * after the error answer (415 unless a JSON Content-Type, or only if
 * one other than JSON is given when !need_type; 413, 408, 400).
 */
int read_body(struct req *q, int need_type, fail_fn *err);

/* The Open Inference Protocol (oip.c); route() checks the methods. */
/* An error answer {"error": "..."}. */
void oip_fail(struct req *q, int status, const char *msg);
void ep_v2_server(struct req *q);
void ep_v2_live(struct req *q);
void ep_v2_ready(struct req *q);
void ep_v2_model(struct req *q, const struct oip_path *t);
void ep_v2_model_ready(struct req *q, const struct oip_path *t);
void ep_v2_infer(struct req *q, const struct oip_path *t);
void ep_health(struct req *q);
void ep_metrics(struct req *q);
/* /openapi.json and /docs: a file read at start-up, or 404. */
void ep_static(struct req *q, const char *text, size_t len, const char *ctype,
               const char *what);
/* An error lighttpd found itself, handed over by server.error-handler:
 * answered (1), or not such a request (0). */
int ep_lighttpd_error(struct req *q);

/* ---------------------------------------------------------------------
 * The process state
 * ------------------------------------------------------------------- */

struct doc {
	char *text; /* owned, NULL = not configured or unreadable */
	size_t len;
};

struct server {
	struct settings cfg;
	struct counters counters;
	struct served model;
	struct arena arena;
	struct buf out;        /* the answer's body */
	struct buf errs;       /* validation errors, gathered */
	char *body;            /* the request body, max_body + 1 bytes */
	struct patients batch; /* room for max_batch patients */
	double *prob;          /* max_batch probabilities of one infer */
	struct buf id;         /* an infer request's "id", JSON text */
	struct doc openapi, docs;
	struct tokens tokens;
};

extern struct server server;

#endif
