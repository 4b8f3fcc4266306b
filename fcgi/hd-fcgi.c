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
 * Chapters: settings, output buffers, shared counters, the served
 * model, requests, the endpoints, the request loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <fcgiapp.h>

#include "model.h"

/* =====================================================================
 * Settings
 * ===================================================================== */

static const struct hd_usage usage = {
	"[-m MODEL] [--openapi FILE] [--docs FILE] [--shm ID]\n"
	"               [--max-body BYTES] [--max-batch N] [--threshold T]\n"
	"               [--reload-interval MS]\n"
	"   or: hd-fcgi --check MODEL",
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
	"      --max-body BYTES    largest request body read (1048576)\n"
	"                          [HD_MAX_BODY]\n"
	"      --max-batch N       most patients in one request (1000)\n"
	"                          [HD_MAX_BATCH]\n"
	"      --threshold T       predict 1 when probability >= T (0.5)\n"
	"                          [HD_THRESHOLD]\n"
	"      --reload-interval MS  look at the model file at most this\n"
	"                          often (100) [HD_RELOAD_MS]\n"
	"  -c, --check MODEL       load MODEL, print its identity and load\n"
	"                          time, exit 0 if it loads, else 1\n"
	"      --help              show this help\n"
	"      --version           show the version\n",
};

static struct {
	const char *model;      /* model file path, NULL = none configured */
	const char *openapi;    /* OpenAPI document path */
	const char *docs;       /* documentation page path */
	const char *shm_id;     /* counters' name, NULL = from the socket */
	long max_body;          /* bytes of a request body we accept */
	long max_batch;         /* patients in one request */
	double threshold;       /* predict 1 when p >= threshold */
	long reload_ms;         /* stat() the model at most this often */
} cfg = { NULL, NULL, NULL, NULL, 1L << 20, 1000, 0.5, 100 };

/* The largest body we allow anyone to configure: FCGX_GetStr takes int. */
#define MAX_BODY_LIMIT (1L << 30)

enum {
	OPT_OPENAPI = 0x2000, OPT_DOCS, OPT_SHM, OPT_MAX_BODY, OPT_MAX_BATCH,
	OPT_THRESHOLD, OPT_RELOAD
};

static void set_max_body(const char *opt, const char *v)
{
	cfg.max_body = hd_opt_long(opt, v, 1, MAX_BODY_LIMIT);
}

static void set_max_batch(const char *opt, const char *v)
{
	cfg.max_batch = hd_opt_long(opt, v, 1, 1000000);
}

static void set_threshold(const char *opt, const char *v)
{
	cfg.threshold = hd_opt_double(opt, v, 0, 1);
}

static void set_reload(const char *opt, const char *v)
{
	cfg.reload_ms = hd_opt_long(opt, v, 0, 3600000);
}

/* Environment first, so that options given on the command line win. */
static void settings_from_env(void)
{
	const char *v;

	if ((v = getenv("HD_MODEL")) != NULL && *v)
		cfg.model = v;
	if ((v = getenv("HD_OPENAPI")) != NULL && *v)
		cfg.openapi = v;
	if ((v = getenv("HD_DOCS")) != NULL && *v)
		cfg.docs = v;
	if ((v = getenv("HD_METRICS_SHM")) != NULL && *v)
		cfg.shm_id = v;
	if ((v = getenv("HD_MAX_BODY")) != NULL && *v)
		set_max_body("HD_MAX_BODY", v);
	if ((v = getenv("HD_MAX_BATCH")) != NULL && *v)
		set_max_batch("HD_MAX_BATCH", v);
	if ((v = getenv("HD_THRESHOLD")) != NULL && *v)
		set_threshold("HD_THRESHOLD", v);
	if ((v = getenv("HD_RELOAD_MS")) != NULL && *v)
		set_reload("HD_RELOAD_MS", v);
}

/* A counters name goes into a file name: keep it to a safe alphabet. */
static int valid_shm_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 100)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return 0;
	return 1;
}

/*
 * A line for the operator.  lighttpd sends a backend's stderr to its
 * server.breakagelog, which has no time stamps of its own.
 */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	char when[32];
	va_list ap;

	fprintf(stderr, "%s %s[%ld]: ", hd_utc_time(time(NULL), when), hd_prog,
	        (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* =====================================================================
 * Output buffers
 *
 * Responses are built in memory, so that Content-Length is known and a
 * failure half-way (out of memory) can still turn into a clean 500.
 * ===================================================================== */

struct buf {
	char *p;
	size_t len, cap;
	int oom;                /* a growth failed: the content is incomplete */
};

static int buf_grow(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void put(struct buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static void put_s(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int pass = 0; pass < 2; pass++) {
		size_t room = b->oom ? 0 : b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (buf_grow(b, (size_t)n + 1) != 0)
			return;
	}
}

/* A JSON string; control characters escaped, other bytes as they are. */
static void put_str(struct buf *b, const char *s)
{
	const char *run = s;

	put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			putf(b, "\\%c", c);
		else
			putf(b, "\\u%04x", c);
		run = s + 1;
	}
	put(b, run, (size_t)(s - run));
	put(b, "\"", 1);
}

/* A number that reads back as exactly x; JSON has no NaN or infinity. */
static void put_num(struct buf *b, double x)
{
	char num[HD_NUMBUF];

	put_s(b, isfinite(x) ? hd_fmt_double(num, x) : "null");
}

/* =====================================================================
 * Shared counters
 *
 * One file in /dev/shm per server instance, mapped by every worker.
 * Worker N (its socket is "<socket>-N") owns slot N and adds to it with
 * relaxed atomic increments; /metrics sums the slots.  A slot belongs
 * to one lighttpd process (its "epoch" is lighttpd's pid): a worker
 * respawned by the same lighttpd, or after a graceful restart, keeps
 * the counts of its slot; the first worker of a new lighttpd starts
 * its slot from zero, and slots of another epoch are not summed.
 * ===================================================================== */

static const int status_code[] = {
	200, 400, 404, 405, 408, 411, 413, 414, 415, 422, 431, 500, 502, 503,
	504
};
#define NCODES 15
#define NSTATUS (NCODES + 1)            /* the last one counts the others */
_Static_assert(sizeof status_code / sizeof status_code[0] == NCODES,
               "status_code[] and NCODES disagree");

/* Upper bounds of the latency buckets, seconds; one more for +Inf. */
static const double bucket_le[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
};
#define NBOUNDS 11
#define NBUCKETS (NBOUNDS + 1)
_Static_assert(sizeof bucket_le / sizeof bucket_le[0] == NBOUNDS,
               "bucket_le[] and NBOUNDS disagree");

enum counter {
	C_REQUESTS, C_PREDICTIONS, C_POSITIVE, C_NEGATIVE, C_BATCHES,
	C_IMPUTED, C_UNSEEN, C_RELOADS, C_REFUSED, C_LATENCY_NS,
	C_STATUS,                               /* NSTATUS of them */
	C_BUCKET = C_STATUS + NSTATUS,          /* NBUCKETS, not cumulative */
	NCOUNTERS = C_BUCKET + NBUCKETS
};

/* One cache line at least per worker, so that workers never share one. */
struct slot {
	_Alignas(64) _Atomic uint64_t epoch;    /* lighttpd's pid owning the counts */
	_Atomic uint64_t pid;                   /* the worker now in the slot */
	_Atomic uint64_t starts;                /* workers that took the slot */
	_Atomic uint64_t c[NCOUNTERS];
};

#define NSLOTS 128
/* Changes with the layout; the file name carries the version too. */
#define SHM_MAGIC (UINT64_C(0x6864666367690000) ^ ((uint64_t)NSLOTS << 32) ^ \
                   ((uint64_t)NCOUNTERS << 16) ^ (uint64_t)sizeof(struct slot))

struct shm {
	_Alignas(64) _Atomic uint64_t magic;
	struct slot slot[NSLOTS];
};

static struct shm *shm;         /* mapped, or private when sharing failed */
static int shm_shared;          /* shm is the shared file */
static size_t shm_size;
static struct slot *me;         /* this worker's slot */
static int my_slot;
static uint64_t epoch;
static char shm_path[200];      /* for the operator: /dev/shm/... */

static void count(enum counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&me->c[c], n, memory_order_relaxed);
}

/*
 * The slot index is the "-N" that lighttpd appends to the socket path
 * of worker N; the socket path without it names the server instance.
 * Returns the slot and writes that base path (or "" if fd 0 is not a
 * unix socket) to base.
 */
static int socket_slot(char *base, size_t len)
{
	struct sockaddr_un sa;
	socklen_t sl = sizeof sa;
	char *dash;
	long n;

	base[0] = '\0';
	memset(&sa, 0, sizeof sa);
	if (getsockname(0, (struct sockaddr *)&sa, &sl) != 0 ||
	    sa.sun_family != AF_UNIX || sa.sun_path[0] == '\0')
		return 0;
	sa.sun_path[sizeof sa.sun_path - 1] = '\0';
	snprintf(base, len, "%s", sa.sun_path);
	dash = strrchr(base, '-');
	if (dash == NULL || hd_parse_long(dash + 1, 0, LONG_MAX, &n) != 0)
		return 0;
	*dash = '\0';
	return (int)(n % NSLOTS);
}

/* Map the shared counters, or fall back to private ones (and say so). */
static void metrics_open(void)
{
	char base[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
	char id[128], name[180];
	struct stat st;
	uint64_t expect = 0;
	void *p;
	int fd, e;

	my_slot = socket_slot(base, sizeof base);
	epoch = (uint64_t)getppid();
	shm_size = sizeof *shm;
	if (cfg.shm_id) {
		snprintf(id, sizeof id, "%s", cfg.shm_id);
	} else {
		char hex[HD_SHA256_HEX];

		/* The socket path is unique to a server; its hash is short. */
		if (base[0] == '\0')
			snprintf(base, sizeof base, "ppid-%llu",
			         (unsigned long long)epoch);
		hd_sha256_hex(base, strlen(base), hex);
		snprintf(id, sizeof id, "%.16s", hex);
	}
	snprintf(name, sizeof name, "/hd-fcgi-%s-v1", id);
	snprintf(shm_path, sizeof shm_path, "/dev/shm%s", name);

	fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		note("%s: %s; counting this worker alone", shm_path, strerror(errno));
		goto private;
	}
	/* Every worker may be first: growing to the same size is idempotent. */
	if ((e = posix_fallocate(fd, 0, (off_t)shm_size)) != 0 &&
	    (fstat(fd, &st) != 0 || (st.st_size < (off_t)shm_size &&
	                             ftruncate(fd, (off_t)shm_size) != 0))) {
		note("%s: %s; counting this worker alone", shm_path, strerror(e));
		close(fd);
		goto private;
	}
	p = mmap(NULL, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		note("%s: mmap: %s; counting this worker alone", shm_path,
		     strerror(errno));
		goto private;
	}
	shm = p;
	if (!atomic_compare_exchange_strong(&shm->magic, &expect, SHM_MAGIC) &&
	    expect != SHM_MAGIC) {
		note("%s: laid out by another build; counting this worker alone",
		     shm_path);
		munmap(p, shm_size);
		goto private;
	}
	shm_shared = 1;
	goto take;
private:
	/* Cache-line aligned like the mapping (calloc promises only 16). */
	shm = aligned_alloc(64, sizeof *shm);
	if (shm == NULL) {
		note("out of memory for the counters");
		exit(HD_EXIT_DATA);
	}
	memset(shm, 0, sizeof *shm);
	shm_shared = 0;
take:
	me = &shm->slot[my_slot];
	if (atomic_load(&me->epoch) != epoch) {
		for (int i = 0; i < NCOUNTERS; i++)
			atomic_store_explicit(&me->c[i], 0, memory_order_relaxed);
		atomic_store_explicit(&me->starts, 0, memory_order_relaxed);
		atomic_store(&me->epoch, epoch);
	}
	atomic_store(&me->pid, (uint64_t)getpid());
	atomic_fetch_add(&me->starts, 1);
}

static void metrics_close(void)
{
	if (shm_shared)
		munmap(shm, shm_size);
	else
		free(shm);
	shm = NULL;
	me = NULL;
}

static int status_index(int status)
{
	for (int i = 0; i < NCODES; i++)
		if (status_code[i] == status)
			return i;
	return NCODES;
}

/* One request answered: counted before its answer leaves, so that a
 * client that reads /metrics next always sees it. */
static void count_request(int status, double seconds)
{
	int b = 0;

	while (b < NBOUNDS && seconds > bucket_le[b])
		b++;
	count(C_REQUESTS, 1);
	count(C_STATUS + status_index(status), 1);
	count(C_BUCKET + b, 1);
	count(C_LATENCY_NS, seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

/* Sum of the slots of this server instance; returns how many there are. */
static int metrics_sum(uint64_t tot[NCOUNTERS])
{
	int n = 0;

	memset(tot, 0, NCOUNTERS * sizeof *tot);
	for (int s = 0; s < NSLOTS; s++) {
		struct slot *sl = &shm->slot[s];

		if (atomic_load_explicit(&sl->epoch, memory_order_acquire) != epoch ||
		    atomic_load_explicit(&sl->starts, memory_order_relaxed) == 0)
			continue;
		n++;
		for (int i = 0; i < NCOUNTERS; i++)
			tot[i] += atomic_load_explicit(&sl->c[i], memory_order_relaxed);
	}
	return n;
}

/* =====================================================================
 * The served model
 *
 * The path is looked at (stat) before a request at most every
 * reload_ms.  When the file is not the one last examined (device,
 * inode, size, times), it is read and parsed into a new model; only a
 * model that loads replaces the old one.  A refused file is remembered
 * by its identity, so it is not retried until it changes again.
 * ===================================================================== */

struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

static struct {
	struct hd_model m;
	int ok;                 /* m holds a model */
	double *z;              /* scratch of m.prep.dim doubles */
	char *identity;         /* JSON object text: kind, sha256, created */
	char *detail;           /* the same with path, load time, ... */
	char *refused;          /* JSON object text of the last refusal, or NULL */
	char why[600];          /* when !ok: why no model can be served */
	struct file_id seen;    /* the file last examined */
	int seen_valid;
	int checked_once;
	struct timespec checked;
} srv;

static void file_id_of(const struct stat *st, struct file_id *f)
{
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtim = st->st_mtim;
	f->ctim = st->st_ctim;
}

static int file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtim.tv_sec == b->mtim.tv_sec &&
	       a->mtim.tv_nsec == b->mtim.tv_nsec &&
	       a->ctim.tv_sec == b->ctim.tv_sec &&
	       a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* Read an open file whole; NULL with the reason in err. */
static char *read_fd(int fd, size_t hint, size_t *len, char *err, size_t errlen)
{
	size_t cap = hint + 1 > 4096 ? hint + 1 : 4096, n = 0;
	char *text = malloc(cap), *bigger;
	ssize_t k;

	if (text == NULL)
		goto oom;
	for (;;) {
		if (n + 1 >= cap) {
			if ((bigger = realloc(text, cap *= 2)) == NULL)
				goto oom;
			text = bigger;
		}
		k = read(fd, text + n, cap - n - 1);
		if (k == 0)
			break;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read error: %s", strerror(errno));
			free(text);
			return NULL;
		}
		n += (size_t)k;
	}
	text[n] = '\0';
	*len = n;
	return text;
oom:
	free(text);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* The "created" time the fit tool recorded, or NULL. */
static const char *model_created(const struct hd_model *m)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m->doc, "training");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(t, "created");

	return cJSON_IsString(c) ? c->valuestring : NULL;
}

/*
 * The identity texts of a model, built once per load so that a request
 * only copies them.  0, or -1 when out of memory.
 */
static int describe(const struct hd_model *m, size_t bytes, char **identity,
                    char **detail)
{
	cJSON *id = cJSON_CreateObject(), *d;
	const char *created = model_created(m);
	char when[32];
	int ok;

	*identity = *detail = NULL;
	if (id == NULL)
		return -1;
	ok = cJSON_AddStringToObject(id, "kind", hd_model_kind_name(m->kind)) &&
	     cJSON_AddStringToObject(id, "sha256", m->sha256) &&
	     (created ? cJSON_AddStringToObject(id, "created", created) != NULL
	              : cJSON_AddNullToObject(id, "created") != NULL);
	d = ok ? cJSON_Duplicate(id, 1) : NULL;
	ok = d && cJSON_AddStringToObject(d, "path", cfg.model) &&
	     cJSON_AddNumberToObject(d, "bytes", (double)bytes) &&
	     cJSON_AddNumberToObject(d, "encoded_features", m->prep.dim) &&
	     cJSON_AddStringToObject(d, "loaded_at", hd_utc_time(time(NULL), when));
	if (ok) {
		*identity = cJSON_PrintUnformatted(id);
		*detail = cJSON_PrintUnformatted(d);
	}
	cJSON_Delete(id);
	cJSON_Delete(d);
	if (*identity && *detail)
		return 0;
	free(*identity);
	free(*detail);
	*identity = *detail = NULL;
	return -1;
}

/* Remember why the file at hand is not served. */
static void refuse(const char *reason, const char *sha256, int at_start)
{
	cJSON *o = cJSON_CreateObject();
	char when[32];

	if (!at_start)
		count(C_REFUSED, 1);
	if (srv.ok)
		note("%s: refused (%s); still serving sha256 %s", cfg.model,
		     reason, srv.m.sha256);
	else
		note("%s: cannot load: %s", cfg.model, reason);
	if (!srv.ok)
		snprintf(srv.why, sizeof srv.why, "%s: %s", cfg.model, reason);
	free(srv.refused);
	srv.refused = NULL;
	if (o && cJSON_AddStringToObject(o, "path", cfg.model) &&
	    cJSON_AddStringToObject(o, "reason", reason) &&
	    cJSON_AddStringToObject(o, "at", hd_utc_time(time(NULL), when)) &&
	    (sha256 ? cJSON_AddStringToObject(o, "sha256", sha256) != NULL
	            : cJSON_AddNullToObject(o, "sha256") != NULL))
		srv.refused = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
}

/* Load the file at cfg.model and serve it if it loads. */
static void model_load(int at_start)
{
	struct hd_model m;
	struct stat st;
	char err[300], hex[HD_SHA256_HEX], *text, *identity, *detail;
	double *z;
	size_t len;
	int fd;

	fd = open(cfg.model, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		/*
		 * A file that is there but cannot be read (permissions) is
		 * refused like a broken one, and not retried until it
		 * changes.  One that is gone is nothing to refuse: the model
		 * served (if any) stays, and a file that appears is loaded.
		 */
		if (e != ENOENT && stat(cfg.model, &st) == 0) {
			file_id_of(&st, &srv.seen);
			srv.seen_valid = 1;
			refuse(strerror(e), NULL, at_start);
			return;
		}
		if (!srv.ok)
			snprintf(srv.why, sizeof srv.why, "%s: %s", cfg.model,
			         strerror(e));
		if (!srv.ok || at_start)
			note("%s: %s", cfg.model, strerror(e));
		srv.seen_valid = 0;
		return;
	}
	file_id_of(&st, &srv.seen);
	srv.seen_valid = 1;
	text = read_fd(fd, (size_t)st.st_size, &len, err, sizeof err);
	close(fd);
	if (text == NULL) {
		refuse(err, NULL, at_start);
		return;
	}
	if (hd_model_parse(&m, text, len, err, sizeof err) != 0) {
		hd_sha256_hex(text, len, hex);
		free(text);
		refuse(err, hex, at_start);
		return;
	}
	free(text);
	z = malloc((size_t)(m.prep.dim > 0 ? m.prep.dim : 1) * sizeof *z);
	if (z == NULL || describe(&m, len, &identity, &detail) != 0) {
		free(z);
		snprintf(hex, sizeof hex, "%s", m.sha256);
		hd_model_free(&m);
		refuse("out of memory", hex, at_start);
		return;
	}
	if (srv.ok) {
		hd_model_free(&srv.m);
		free(srv.z);
		free(srv.identity);
		free(srv.detail);
	}
	srv.m = m;
	srv.z = z;
	srv.identity = identity;
	srv.detail = detail;
	free(srv.refused);
	srv.refused = NULL;
	if (!at_start)
		count(C_RELOADS, 1);
	note("%s: %s %s, sha256 %s", cfg.model, at_start ? "serving" :
	     srv.ok ? "reloaded" : "loaded", hd_model_kind_name(m.kind), m.sha256);
	srv.ok = 1;
}

/* Before a request: has the file changed since we last looked? */
static void model_watch(const struct timespec *now)
{
	struct stat st;
	struct file_id f;

	if (srv.checked_once &&
	    seconds_between(&srv.checked, now) * 1000 < (double)cfg.reload_ms)
		return;
	srv.checked = *now;
	srv.checked_once = 1;
	if (stat(cfg.model, &st) != 0) {
		if (!srv.ok)
			snprintf(srv.why, sizeof srv.why, "%s: %s", cfg.model,
			         strerror(errno));
		srv.seen_valid = 0;
		return;
	}
	file_id_of(&st, &f);
	if (srv.seen_valid && file_id_same(&f, &srv.seen))
		return;
	model_load(0);
}

static void model_drop(void)
{
	if (srv.ok) {
		hd_model_free(&srv.m);
		free(srv.z);
		free(srv.identity);
		free(srv.detail);
	}
	free(srv.refused);
	memset(&srv, 0, sizeof srv);
}

/* hd-fcgi --check MODEL: what an operator runs before moving a file in. */
static int check_model(const char *path)
{
	struct hd_model m;
	struct timespec t0, t1;
	double first = 0, best = 0;
	char err[300];

	for (int i = 0; i < 5; i++) {
		double ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (hd_model_load(&m, path, err, sizeof err) != 0) {
			hd_err("%s: %s", path, err);
			return HD_EXIT_DATA;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = seconds_between(&t0, &t1) * 1000;
		if (i == 0)
			first = best = ms;
		if (ms < best)
			best = ms;
		if (i < 4)
			hd_model_free(&m);
	}
	printf("%s: %s, sha256 %s, %d encoded features, created %s\n", path,
	       hd_model_kind_name(m.kind), m.sha256, m.prep.dim,
	       model_created(&m) ? model_created(&m) : "unknown");
	printf("%s: loaded in %.3f ms (best of 5: %.3f ms)\n", path, first, best);
	hd_model_free(&m);
	return HD_EXIT_OK;
}

/* =====================================================================
 * Requests
 * ===================================================================== */

/* The FastCGI parameters we use, gathered in one pass over envp. */
struct params {
	const char *method, *path_info, *script_name, *content_length;
	const char *content_type, *query, *accept;
	const char *redirect_uri, *redirect_status, *request_uri;
};

struct req {
	FCGX_Request *fr;
	struct params pm;
	const char *method;
	const char *path;       /* PATH_INFO under fix-root-scriptname */
	long clen;              /* CONTENT_LENGTH */
	long consumed;          /* body bytes read so far */
	int head;               /* HEAD: the answer has no body */
	int status;
	const char *ctype;      /* of the answer */
	const char *allow;      /* Allow header of a 405, else NULL */
};

static struct buf out;          /* the answer's body */
static struct buf errs;         /* validation errors, gathered */
static char *body;              /* the request body, max_body + 1 bytes */
static double *batch_x;         /* max_batch x HD_NFEAT, row-major */
static uint16_t *batch_imputed; /* max_batch bit sets over hd_features */
static char *openapi_text, *docs_text;
static size_t openapi_len, docs_len;

/*
 * cJSON's allocations go through these hooks.  While a request body is
 * parsed they come from an arena that is reset after the request, so a
 * patient costs no malloc/free pairs (and none of the heap churn they
 * cause between libfcgi's buffers); what does not fit, a large batch,
 * goes to malloc.  Outside a request (model loads) it is all malloc.
 * cJSON gives NULL both for bad JSON and for no memory: json_oom tells.
 */
#define ARENA_SIZE (256u << 10)

static struct {
	unsigned char *base;
	size_t used;
	int active;
} arena;
static int json_oom;

static void *json_malloc(size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (arena.active && need >= n && need <= ARENA_SIZE - arena.used) {
		p = arena.base + arena.used;
		arena.used += need;
		return p;
	}
	if ((p = malloc(n)) == NULL)
		json_oom = 1;
	return p;
}

static void json_free(void *p)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)arena.base;

	if (a - b >= ARENA_SIZE)        /* not in the arena (wraps if below) */
		free(p);
}

/* Pick the parameters we use out of envp ("NAME=value"), in one pass. */
static void gather_params(char **envp, struct params *pm)
{
	static const struct {
		const char *name;
		size_t len, off;
	} want[] = {
#define P(n, f) { n "=", sizeof n, offsetof(struct params, f) }
		P("REQUEST_METHOD", method), P("PATH_INFO", path_info),
		P("SCRIPT_NAME", script_name), P("CONTENT_LENGTH", content_length),
		P("CONTENT_TYPE", content_type), P("QUERY_STRING", query),
		P("HTTP_ACCEPT", accept), P("REDIRECT_URI", redirect_uri),
		P("REDIRECT_STATUS", redirect_status), P("REQUEST_URI", request_uri),
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
				*(const char **)((char *)pm + want[i].off) = e + want[i].len;
				break;
			}
	}
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
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
static void fail(struct req *q, int status, const char *detail)
{
	q->status = status;
	q->ctype = "application/json";
	out.len = 0;
	put_s(&out, "{\"detail\":");
	put_str(&out, detail);
	put_s(&out, "}");
}

static void method_not_allowed(struct req *q, const char *allow)
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
		int k = FCGX_GetStr(sink, want > (long)sizeof sink ?
		                    (int)sizeof sink : (int)want, q->fr->in);

		if (k <= 0)
			break;
		q->consumed += k;
	}
}

/*
 * Is the Content-Type application/json?  Parameters (charset=utf-8)
 * are allowed; the media type is case-insensitive.
 */
static int is_json_type(const char *ct)
{
	static const char want[] = "application/json";

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof want - 1) != 0)
		return 0;
	ct += sizeof want - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* =====================================================================
 * POST /predict
 *
 * Errors are FastAPI's (pydantic v2) shape: {"detail": [{"type",
 * "loc", "msg", "input", "ctx"}]}, one entry for every bad field.
 * ===================================================================== */

/* Open one error entry: {"type":..,"loc":["body",index?,field?],"msg":.. */
static void err_open(int *nerr, long index, const char *field,
                     const char *type, const char *msg)
{
	put_s(&errs, (*nerr)++ ? ",{\"type\":" : "{\"type\":");
	put_str(&errs, type);
	put_s(&errs, ",\"loc\":[\"body\"");
	if (index >= 0)
		putf(&errs, ",%ld", index);
	if (field) {
		put_s(&errs, ",");
		put_str(&errs, field);
	}
	put_s(&errs, "],\"msg\":");
	put_str(&errs, msg);
}

/* The input echoed back, when it is short and harmless to copy. */
static void err_input(const cJSON *v)
{
	if (cJSON_IsNumber(v)) {
		put_s(&errs, ",\"input\":");
		put_num(&errs, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		put_s(&errs, cJSON_IsTrue(v) ? ",\"input\":true" : ",\"input\":false");
	} else if (cJSON_IsString(v) && strlen(v->valuestring) <= 64) {
		for (const char *s = v->valuestring; *s; s++)
			if (*s < 0x20 || *s > 0x7e)
				return;
		put_s(&errs, ",\"input\":");
		put_str(&errs, v->valuestring);
	}
}

/* Features by the first letter of their name, -1 ended; set at start-up. */
static signed char by_letter[26][HD_NFEAT + 1];

static void index_features(void)
{
	memset(by_letter, -1, sizeof by_letter);
	for (int f = 0; f < HD_NFEAT; f++) {
		int c = hd_features[f].name[0] - 'a', k = 0;

		while (by_letter[c][k] >= 0)
			k++;
		by_letter[c][k] = (signed char)f;
	}
}

/* The feature a JSON key names, or -1 for a field we ignore. */
static int feature_of(const char *key)
{
	int c = key[0] - 'a';

	if (c < 0 || c >= 26)
		return -1;
	for (const signed char *f = by_letter[c]; *f >= 0; f++)
		if (strcmp(key, hd_features[*f].name) == 0)
			return *f;
	return -1;
}

/*
 * One patient from a JSON object: x[HD_NFEAT] (NaN = imputed) and the
 * set of imputed features; every bad field appended to errs, in the
 * features' order.  Of a key given twice, the last counts, as Python's
 * json module (and so the FastAPI service hd replaces) decides.
 */
static void read_patient(const cJSON *o, long index, double *x,
                         uint16_t *imputed, int *nerr)
{
	const cJSON *item[HD_NFEAT] = { NULL }, *kv;

	cJSON_ArrayForEach(kv, o) {
		int f = kv->string ? feature_of(kv->string) : -1;

		if (f >= 0)
			item[f] = kv;
	}
	*imputed = 0;
	for (int f = 0; f < HD_NFEAT; f++) {
		const struct hd_feature *ft = &hd_features[f];
		const cJSON *v = item[f];
		int cat = ft->kind == HD_CATEGORICAL;
		char msg[96], num[HD_NUMBUF];
		double d;

		x[f] = NAN;
		if (v == NULL) {
			err_open(nerr, index, ft->name, "missing", "Field required");
			put_s(&errs, "}");
			continue;
		}
		if (cJSON_IsNull(v)) {
			*imputed |= (uint16_t)(1u << f);
			continue;
		}
		if (!cJSON_IsNumber(v)) {
			err_open(nerr, index, ft->name,
			         cat ? "int_type" : "float_type",
			         cat ? "Input should be a valid integer"
			             : "Input should be a valid number");
			err_input(v);
			put_s(&errs, "}");
			continue;
		}
		d = v->valuedouble;
		if (!isfinite(d)) {
			err_open(nerr, index, ft->name, "finite_number",
			         "Input should be a finite number");
			put_s(&errs, "}");
			continue;
		}
		if (hd_feature_check(ft, d, 0) == NULL) {
			x[f] = d;
			continue;
		}
		if (d < ft->min || d > ft->max) {
			int low = d < ft->min;

			snprintf(msg, sizeof msg, "Input should be %s than or "
			         "equal to %s", low ? "greater" : "less",
			         hd_fmt_double(num, low ? ft->min : ft->max));
			err_open(nerr, index, ft->name, low ? "greater_than_equal"
			         : "less_than_equal", msg);
			err_input(v);
			putf(&errs, ",\"ctx\":{\"%s\":%s}}", low ? "ge" : "le", num);
		} else {
			err_open(nerr, index, ft->name, "int_from_float",
			         "Input should be a valid integer, got a number "
			         "with a fractional part");
			err_input(v);
			put_s(&errs, "}");
		}
	}
}

/* The names of a bit set of features as a JSON array. */
static void put_imputed(uint16_t set)
{
	int first = 1;

	put_s(&out, "\"imputed\":[");
	for (int f = 0; f < HD_NFEAT; f++)
		if (set & (1u << f)) {
			put_s(&out, first ? "\"" : ",\"");
			put_s(&out, hd_features[f].name);
			put_s(&out, "\"");
			first = 0;
		}
	put_s(&out, "]");
}

/* Score one patient into out; adds to the caller's tallies. */
static void score(const double *x, uint16_t imputed, uint64_t tally[4])
{
	int unseen, first = 1;
	double p = hd_model_prob(&srv.m, x, srv.z, &unseen);
	int yes = p >= cfg.threshold;

	put_s(&out, yes ? "{\"prediction\":1,\"probability\":"
	                : "{\"prediction\":0,\"probability\":");
	put_num(&out, p);
	put_s(&out, ",");
	put_imputed(imputed);
	put_s(&out, ",\"warnings\":[");
	for (int f = 0; unseen > 0 && f < HD_NFEAT; f++) {
		char num[HD_NUMBUF];

		if (hd_features[f].kind != HD_CATEGORICAL || isnan(x[f]) ||
		    hd_prep_level_seen(&srv.m.prep, f, x[f]))
			continue;
		put_s(&out, first ? "\"" : ",\"");
		put_s(&out, hd_features[f].name);
		put_s(&out, ": level ");
		put_s(&out, hd_fmt_double(num, x[f]));
		put_s(&out, " was not seen in training; scored as an unseen level\"");
		first = 0;
	}
	put_s(&out, "]}");
	tally[yes ? 0 : 1]++;
	for (int f = 0; f < HD_NFEAT; f++)
		tally[2] += (imputed >> f) & 1u;
	tally[3] += (uint64_t)unseen;
}

static void predict(struct req *q)
{
	const char *end = NULL;
	const cJSON *item;
	cJSON *doc;
	uint64_t tally[4] = { 0, 0, 0, 0 };   /* positive, negative, imputed, unseen */
	long n, i;
	int nerr = 0, is_batch;

	if (!is_json_type(q->pm.content_type)) {
		fail(q, 415, "Content-Type must be application/json");
		return;
	}
	if (q->clen > cfg.max_body) {
		char msg[96];

		snprintf(msg, sizeof msg, "Request body too large: the limit "
		         "is %ld bytes", cfg.max_body);
		fail(q, 413, msg);
		return;
	}
	while (q->consumed < q->clen) {
		int k = FCGX_GetStr(body + q->consumed,
		                    (int)(q->clen - q->consumed), q->fr->in);

		if (k <= 0)
			break;
		q->consumed += k;
	}
	if (q->consumed < q->clen) {
		fail(q, 400, "The request body is shorter than its Content-Length");
		return;
	}
	body[q->clen] = '\0';
	if (memchr(body, '\0', (size_t)q->clen) != NULL) {
		fail(q, 400, "Malformed JSON: the body contains a NUL byte");
		return;
	}

	/* Length + 1 takes in the NUL, so trailing garbage is an error. */
	json_oom = 0;
	arena.active = 1;
	arena.used = 0;
	doc = cJSON_ParseWithLengthOpts(body, (size_t)q->clen + 1, &end, 1);
	arena.active = 0;
	if (doc == NULL) {
		long at = end ? (long)(end - body) : 0;

		if (json_oom) {
			fail(q, 500, "Out of memory");
			return;
		}
		q->status = 400;
		q->ctype = "application/json";
		out.len = 0;
		putf(&out, "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":"
		     "[\"body\",%ld],\"msg\":\"JSON decode error\",\"ctx\":"
		     "{\"error\":\"%s\"}}]}", at, q->clen == 0 ?
		     "the body is empty" : "malformed JSON at this byte offset");
		return;
	}

	errs.len = 0;
	errs.oom = 0;
	is_batch = cJSON_IsArray(doc);
	n = is_batch ? cJSON_GetArraySize(doc) : 1;
	if (!is_batch && !cJSON_IsObject(doc)) {
		err_open(&nerr, -1, NULL, "model_attributes_type", "Input should "
		         "be an object of features or an array of such objects");
		put_s(&errs, "}");
	} else if (is_batch && n == 0) {
		err_open(&nerr, -1, NULL, "too_short", "List should have at "
		         "least 1 item after validation, not 0");
		put_s(&errs, ",\"ctx\":{\"min_length\":1}}");
	} else if (is_batch && n > cfg.max_batch) {
		char msg[120];

		snprintf(msg, sizeof msg, "List should have at most %ld items "
		         "after validation, not %ld", cfg.max_batch, n);
		err_open(&nerr, -1, NULL, "too_long", msg);
		putf(&errs, ",\"ctx\":{\"max_length\":%ld}}", cfg.max_batch);
	} else if (!is_batch) {
		read_patient(doc, -1, batch_x, batch_imputed, &nerr);
	} else {
		i = 0;
		cJSON_ArrayForEach(item, doc) {
			if (!cJSON_IsObject(item)) {
				err_open(&nerr, i, NULL, "model_attributes_type",
				         "Input should be a valid dictionary or "
				         "object to extract fields from");
				put_s(&errs, "}");
			} else {
				read_patient(item, i, batch_x + i * HD_NFEAT,
				             batch_imputed + i, &nerr);
			}
			i++;
		}
	}
	cJSON_Delete(doc);
	if (errs.oom) {
		fail(q, 500, "Out of memory");
		return;
	}
	if (nerr > 0) {
		q->status = 422;
		q->ctype = "application/json";
		out.len = 0;
		put_s(&out, "{\"detail\":[");
		put(&out, errs.p, errs.len);
		put_s(&out, "]}");
		return;
	}
	if (!srv.ok) {
		char msg[sizeof srv.why + 40];

		snprintf(msg, sizeof msg, "No model can be served: %s", srv.why);
		fail(q, 503, msg);
		return;
	}

	q->status = 200;
	q->ctype = "application/json";
	out.len = 0;
	if (is_batch)
		put_s(&out, "{\"predictions\":[");
	for (i = 0; i < n; i++) {
		if (i)
			put_s(&out, ",");
		score(batch_x + i * HD_NFEAT, batch_imputed[i], tally);
	}
	if (is_batch) {
		putf(&out, "],\"count\":%ld", n);
	} else if (!out.oom) {
		/* The single answer is the object itself: reopen it. */
		out.len--;
	}
	put_s(&out, ",\"threshold\":");
	put_num(&out, cfg.threshold);
	put_s(&out, ",\"model\":");
	put_s(&out, srv.identity);
	put_s(&out, "}");
	if (out.oom)
		return;
	count(C_PREDICTIONS, (uint64_t)n);
	count(C_POSITIVE, tally[0]);
	count(C_NEGATIVE, tally[1]);
	count(C_IMPUTED, tally[2]);
	count(C_UNSEEN, tally[3]);
	if (is_batch)
		count(C_BATCHES, 1);
}

/* =====================================================================
 * GET /health, /metrics, /openapi.json, /docs
 * ===================================================================== */

static void health(struct req *q)
{
	q->ctype = "application/json";
	out.len = 0;
	if (srv.ok) {
		q->status = 200;
		put_s(&out, "{\"status\":\"ok\",\"model\":");
		put_s(&out, srv.detail);
	} else {
		q->status = 503;
		put_s(&out, "{\"status\":\"unavailable\",\"reason\":");
		put_str(&out, srv.why);
		put_s(&out, ",\"path\":");
		put_str(&out, cfg.model);
	}
	if (srv.refused) {
		put_s(&out, ",\"refused\":");
		put_s(&out, srv.refused);
	}
	putf(&out, ",\"worker\":{\"pid\":%ld,\"slot\":%d}}", (long)getpid(),
	     my_slot);
}

/*
 * Prometheus when asked: ?format=prometheus, or an Accept header that
 * names text/plain or OpenMetrics (as scrapers send) and not JSON.
 */
static int wants_prometheus(const struct req *q)
{
	const char *qs = q->pm.query, *acc = q->pm.accept;

	for (const char *p = qs; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, "format=prometheus", 17) == 0 &&
		    (p[17] == '\0' || p[17] == '&'))
			return 1;
		if (strncmp(p, "format=json", 11) == 0 &&
		    (p[11] == '\0' || p[11] == '&'))
			return 0;
	}
	return acc && (strstr(acc, "text/plain") || strstr(acc, "openmetrics")) &&
	       !strstr(acc, "application/json");
}

static void metrics_json(const uint64_t *t)
{
	uint64_t cum = 0;
	int nworkers = 0;

	putf(&out, "{\"total_requests\":%llu,\"total_predictions\":%llu,"
	     "\"positive_predictions\":%llu,\"negative_predictions\":%llu,"
	     "\"batch_requests\":%llu,\"imputed_values\":%llu,"
	     "\"unseen_levels\":%llu,\"model_reloads\":%llu,"
	     "\"model_reloads_refused\":%llu,\"requests_by_status\":{",
	     (unsigned long long)t[C_REQUESTS], (unsigned long long)t[C_PREDICTIONS],
	     (unsigned long long)t[C_POSITIVE], (unsigned long long)t[C_NEGATIVE],
	     (unsigned long long)t[C_BATCHES], (unsigned long long)t[C_IMPUTED],
	     (unsigned long long)t[C_UNSEEN], (unsigned long long)t[C_RELOADS],
	     (unsigned long long)t[C_REFUSED]);
	for (int i = 0; i < NCODES; i++)
		putf(&out, "\"%d\":%llu,", status_code[i],
		     (unsigned long long)t[C_STATUS + i]);
	putf(&out, "\"other\":%llu},\"errors_by_status\":{",
	     (unsigned long long)t[C_STATUS + NCODES]);
	for (int i = 0; i < NCODES; i++)
		if (status_code[i] >= 400)
			putf(&out, "\"%d\":%llu,", status_code[i],
			     (unsigned long long)t[C_STATUS + i]);
	putf(&out, "\"other\":%llu},\"latency_seconds\":{\"buckets\":[",
	     (unsigned long long)t[C_STATUS + NCODES]);
	for (int b = 0; b < NBUCKETS; b++) {
		cum += t[C_BUCKET + b];
		put_s(&out, b ? ",{\"le\":" : "{\"le\":");
		if (b < NBOUNDS)
			put_num(&out, bucket_le[b]);
		else
			put_s(&out, "\"+Inf\"");
		putf(&out, ",\"count\":%llu}", (unsigned long long)cum);
	}
	put_s(&out, "],\"sum\":");
	put_num(&out, (double)t[C_LATENCY_NS] / 1e9);
	putf(&out, ",\"count\":%llu},\"workers\":[",
	     (unsigned long long)t[C_REQUESTS]);
	for (int s = 0; s < NSLOTS; s++) {
		struct slot *sl = &shm->slot[s];

		if (atomic_load(&sl->epoch) != epoch || atomic_load(&sl->starts) == 0)
			continue;
		putf(&out, "%s{\"slot\":%d,\"pid\":%llu,\"starts\":%llu,"
		     "\"requests\":%llu}", nworkers++ ? "," : "", s,
		     (unsigned long long)atomic_load(&sl->pid),
		     (unsigned long long)atomic_load(&sl->starts),
		     (unsigned long long)atomic_load_explicit(&sl->c[C_REQUESTS],
		                                              memory_order_relaxed));
	}
	put_s(&out, "],\"shared\":");
	put_s(&out, shm_shared ? "true" : "false");
	put_s(&out, "}");
}

static void prom_head(const char *name, const char *type, const char *help)
{
	putf(&out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_prometheus(const uint64_t *t, int nworkers)
{
	uint64_t cum = 0;
	char num[HD_NUMBUF];

	prom_head("hd_requests_total", "counter",
	          "HTTP requests answered, by status code.");
	for (int i = 0; i < NCODES; i++)
		putf(&out, "hd_requests_total{code=\"%d\"} %llu\n", status_code[i],
		     (unsigned long long)t[C_STATUS + i]);
	putf(&out, "hd_requests_total{code=\"other\"} %llu\n",
	     (unsigned long long)t[C_STATUS + NCODES]);
	prom_head("hd_predictions_total", "counter",
	          "Patients scored, by predicted class.");
	putf(&out, "hd_predictions_total{prediction=\"1\"} %llu\n"
	     "hd_predictions_total{prediction=\"0\"} %llu\n",
	     (unsigned long long)t[C_POSITIVE], (unsigned long long)t[C_NEGATIVE]);
	prom_head("hd_batch_requests_total", "counter",
	          "Successful /predict requests that scored an array.");
	putf(&out, "hd_batch_requests_total %llu\n", (unsigned long long)t[C_BATCHES]);
	prom_head("hd_imputed_values_total", "counter",
	          "Features sent as null and imputed as in training.");
	putf(&out, "hd_imputed_values_total %llu\n", (unsigned long long)t[C_IMPUTED]);
	prom_head("hd_unseen_levels_total", "counter",
	          "Categorical values scored as a level unseen in training.");
	putf(&out, "hd_unseen_levels_total %llu\n", (unsigned long long)t[C_UNSEEN]);
	prom_head("hd_request_duration_seconds", "histogram",
	          "Time from accepting a request to its answer.");
	for (int b = 0; b < NBUCKETS; b++) {
		cum += t[C_BUCKET + b];
		putf(&out, "hd_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
		     b < NBOUNDS ? hd_fmt_double(num, bucket_le[b]) : "+Inf",
		     (unsigned long long)cum);
	}
	putf(&out, "hd_request_duration_seconds_sum %s\n",
	     hd_fmt_double(num, (double)t[C_LATENCY_NS] / 1e9));
	putf(&out, "hd_request_duration_seconds_count %llu\n",
	     (unsigned long long)t[C_REQUESTS]);
	prom_head("hd_model_reloads_total", "counter",
	          "Changed model files loaded, or refused and not served.");
	putf(&out, "hd_model_reloads_total{result=\"ok\"} %llu\n"
	     "hd_model_reloads_total{result=\"refused\"} %llu\n",
	     (unsigned long long)t[C_RELOADS], (unsigned long long)t[C_REFUSED]);
	prom_head("hd_workers", "gauge", "Worker slots of this server.");
	putf(&out, "hd_workers %d\n", nworkers);
	prom_head("hd_model_up", "gauge",
	          "1 when the worker that answered serves a model.");
	putf(&out, "hd_model_up %d\n", srv.ok);
}

static void metrics(struct req *q)
{
	uint64_t t[NCOUNTERS];
	int nworkers = metrics_sum(t);

	q->status = 200;
	out.len = 0;
	if (wants_prometheus(q)) {
		q->ctype = "text/plain; version=0.0.4; charset=utf-8";
		metrics_prometheus(t, nworkers);
	} else {
		q->ctype = "application/json";
		metrics_json(t);
	}
}

static void static_doc(struct req *q, const char *text, size_t len,
                       const char *ctype, const char *what)
{
	if (text == NULL) {
		char msg[80];

		snprintf(msg, sizeof msg, "Not Found: no %s is configured", what);
		fail(q, 404, msg);
		return;
	}
	q->status = 200;
	q->ctype = ctype;
	out.len = 0;
	put(&out, text, len);
}

/*
 * An error lighttpd found itself (a body over server.max-request-size,
 * a malformed request, an unknown method, a backend gone) comes here
 * through server.error-handler, so that it too gets a JSON body.
 * Two of lighttpd's answers to what a client sent are 5xx, which we
 * promise never to give for that: 501 for a method it does not know
 * (the request line did not parse, so REQUEST_URI is empty: to this
 * API it is a method not allowed, 405) or for a Transfer-Encoding it
 * does not support, and 505 for an HTTP version; both become 400.
 */
static int lighttpd_error(struct req *q)
{
	const char *uri = q->pm.redirect_uri;
	const char *st = q->pm.redirect_status;
	const char *orig = q->pm.request_uri;
	long status;

	if (uri == NULL || st == NULL || hd_parse_long(st, 400, 599, &status) != 0)
		return 0;
	switch (status) {
	case 413:
		fail(q, 413, "Request body too large");
		break;
	case 501:
		if (orig == NULL || *orig == '\0')
			method_not_allowed(q, "GET, HEAD, POST");
		else
			fail(q, 400, "Bad Request: unsupported Transfer-Encoding");
		break;
	case 505:
		fail(q, 400, "Bad Request: unsupported HTTP version");
		break;
	case 400:
		fail(q, 400, "Bad Request: malformed HTTP request");
		break;
	default:
		fail(q, (int)status, reason_phrase((int)status));
	}
	return 1;
}

static void route(struct req *q)
{
	const char *p = q->path;
	int get = strcmp(q->method, "GET") == 0 || q->head;

	if (lighttpd_error(q))
		return;
	if (strcmp(p, "/predict") == 0) {
		if (strcmp(q->method, "POST") == 0)
			predict(q);
		else
			method_not_allowed(q, "POST");
		return;
	}
	if (strcmp(p, "/health") == 0 || strcmp(p, "/metrics") == 0 ||
	    strcmp(p, "/openapi.json") == 0 || strcmp(p, "/") == 0 ||
	    strcmp(p, "/docs") == 0 || strcmp(p, "/docs/") == 0) {
		if (!get)
			method_not_allowed(q, "GET, HEAD");
		else if (p[1] == 'h')
			health(q);
		else if (p[1] == 'm')
			metrics(q);
		else if (p[1] == 'o')
			static_doc(q, openapi_text, openapi_len,
			           "application/json", "OpenAPI document");
		else
			static_doc(q, docs_text, docs_len,
			           "text/html; charset=utf-8", "documentation page");
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
	char head[512];
	const char *data = out.p;
	size_t len = out.len;
	int n;

	if (out.oom) {
		q->status = 500;
		q->ctype = "application/json";
		q->allow = NULL;
		data = oom_body;
		len = sizeof oom_body - 1;
	}
	n = snprintf(head, sizeof head, "Status: %d %s\r\nContent-Type: %s\r\n"
	             "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	             "X-Content-Type-Options: nosniff\r\n%s%s%s\r\n",
	             q->status, reason_phrase(q->status), q->ctype, len,
	             q->allow ? "Allow: " : "", q->allow ? q->allow : "",
	             q->allow ? "\r\n" : "");
	FCGX_PutStr(head, n, q->fr->out);
	if (!q->head && len > 0)
		FCGX_PutStr(data, (int)len, q->fr->out);
}

/* A small file served as it is; NULL (and a note) when unreadable. */
static char *load_doc(const char *path, size_t *len, int json)
{
	char *text;

	if (path == NULL)
		return NULL;
	if ((text = hd_read_file(path, len)) == NULL) {
		note("%s: %s; not served", path, strerror(errno));
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

		clock_gettime(CLOCK_MONOTONIC, &t0);
		model_watch(&t0);
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
		out.len = 0;
		out.oom = 0;
		if (cl && *cl && hd_parse_long(cl, 0, LONG_MAX, &q.clen) != 0) {
			q.clen = 0;
			fail(&q, 400, "Bad Content-Length");
		} else {
			route(&q);
		}
		drain(&q);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		count_request(out.oom ? 500 : q.status, seconds_between(&t0, &t1));
		answer(&q);
		FCGX_Finish_r(&fr);
		/* One huge answer must not pin its memory for the rest. */
		if (out.cap > (4u << 20)) {
			free(out.p);
			out.p = NULL;
			out.cap = out.len = 0;
		}
		if (errs.cap > (4u << 20)) {
			free(errs.p);
			errs.p = NULL;
			errs.cap = errs.len = 0;
		}
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
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static cJSON_Hooks hooks = { json_malloc, json_free };
	const char *check = NULL;
	int c;

	hd_set_prog(argv[0]);
	settings_from_env();
	while ((c = getopt_long(argc, argv, "m:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': cfg.model = optarg; break;
		case 'c': check = optarg; break;
		case OPT_OPENAPI: cfg.openapi = optarg; break;
		case OPT_DOCS: cfg.docs = optarg; break;
		case OPT_SHM: cfg.shm_id = optarg; break;
		case OPT_MAX_BODY: set_max_body("--max-body", optarg); break;
		case OPT_MAX_BATCH: set_max_batch("--max-batch", optarg); break;
		case OPT_THRESHOLD: set_threshold("--threshold", optarg); break;
		case OPT_RELOAD: set_reload("--reload-interval", optarg); break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (optind < argc)
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	if (check)
		return check_model(check);
	if (cfg.model == NULL) {
		hd_err("no model file: give -m MODEL or set HD_MODEL");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (cfg.shm_id && !valid_shm_id(cfg.shm_id)) {
		hd_err("--shm/HD_METRICS_SHM: '%s' must be 1 to 100 of "
		       "A-Z a-z 0-9 . _ -", cfg.shm_id);
		return HD_EXIT_USAGE;
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
	cJSON_InitHooks(&hooks);

	metrics_open();
	openapi_text = load_doc(cfg.openapi, &openapi_len, 1);
	docs_text = load_doc(cfg.docs, &docs_len, 0);
	index_features();
	arena.base = malloc(ARENA_SIZE);
	body = malloc((size_t)cfg.max_body + 1);
	batch_x = malloc((size_t)cfg.max_batch * HD_NFEAT * sizeof *batch_x);
	batch_imputed = malloc((size_t)cfg.max_batch * sizeof *batch_imputed);
	if (arena.base == NULL || body == NULL || batch_x == NULL || batch_imputed == NULL ||
	    buf_grow(&out, 65536) != 0 || buf_grow(&errs, 16384) != 0) {
		note("out of memory at start-up");
		return HD_EXIT_DATA;
	}
	model_load(1);
	clock_gettime(CLOCK_MONOTONIC, &srv.checked);
	srv.checked_once = 1;
	note("worker %d ready, counters in %s%s", my_slot, shm_path,
	     shm_shared ? "" : " (not shared)");

	serve();

	model_drop();
	metrics_close();
	free(arena.base);
	free(body);
	free(batch_x);
	free(batch_imputed);
	free(out.p);
	free(errs.p);
	free(openapi_text);
	free(docs_text);
	return HD_EXIT_OK;
}
