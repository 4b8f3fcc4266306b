/*
 * counters.c - request counters shared by every worker of a server
 * (the layout and its rules are in fcgi.h), and snapshots of them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fcgi.h"

const int status_code[NCODES] = { 200, 400, 401, 404, 405, 408, 411, 413,
	                          414, 415, 422, 431, 500, 502, 503, 504 };

const double bucket_le[NBOUNDS] = { 25e-6,  50e-6, 100e-6, 250e-6, 500e-6, 1e-3,
	                            2.5e-3, 5e-3,  10e-3,  25e-3,  50e-3,  0.1,
	                            0.25,   0.5,   1,      2.5,    5 };

/* Changes with the layout; the file name carries the version too. */
#define SHM_MAGIC                                                      \
	(UINT64_C(0x6864666367690000) ^ ((uint64_t)NSLOTS << 32) ^     \
	 ((uint64_t)NCOUNTERS << 16) ^ (uint64_t)sizeof(struct slot) ^ \
	 ((uint64_t)sizeof(struct shm) << 40))

void counters_add(struct counters *c, enum counter k, uint64_t n)
{
	atomic_fetch_add_explicit(&c->me->c[k], n, memory_order_relaxed);
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

/* Take slot c->slot: its counts stay if it is of this epoch. */
static void take_slot(struct counters *c)
{
	struct slot *me = &c->shm->slot[c->slot];

	c->me = me;
	if (atomic_load(&me->epoch) != c->epoch) {
		for (int i = 0; i < NCOUNTERS; i++)
			atomic_store_explicit(&me->c[i], 0,
			                      memory_order_relaxed);
		atomic_store_explicit(&me->starts, 0, memory_order_relaxed);
		atomic_store(&me->drift_model, 0); /* drift_reset zeroes bins */
		atomic_store(&me->epoch, c->epoch);
	}
	atomic_store(&me->pid, (uint64_t)getpid());
	atomic_fetch_add(&me->starts, 1);
}

/* Counters of this worker alone, in the slot and epoch c names. */
static int alone(struct counters *c)
{
	/* Cache-line aligned like the mapping (calloc promises only 16). */
	c->shm = aligned_alloc(64, sizeof *c->shm);
	if (c->shm == NULL)
		return -1;
	memset(c->shm, 0, sizeof *c->shm);
	c->shared = 0;
	take_slot(c);
	return 0;
}

int counters_open_private(struct counters *c, uint64_t epoch)
{
	memset(c, 0, sizeof *c);
	c->epoch = epoch;
	return alone(c);
}

int counters_open(struct counters *c, const char *shm_id, int slot_base)
{
	char base[sizeof((struct sockaddr_un *)0)->sun_path + 1];
	char id[128], name[180];
	struct stat st;
	uint64_t expect = 0;
	void *p;
	int fd, e;

	memset(c, 0, sizeof *c);
	c->slot = (socket_slot(base, sizeof base) + slot_base) % NSLOTS;
	c->epoch = (uint64_t)getppid();
	if (shm_id) {
		snprintf(id, sizeof id, "%s", shm_id);
	} else {
		char hex[HD_SHA256_HEX];

		/* The socket path is unique to a server; its hash is short. */
		if (base[0] == '\0')
			snprintf(base, sizeof base, "ppid-%llu",
			         (unsigned long long)c->epoch);
		hd_sha256_hex(base, strlen(base), hex);
		snprintf(id, sizeof id, "%.16s", hex);
	}
	snprintf(name, sizeof name, "/hd-fcgi-%s-v1", id);
	snprintf(c->path, sizeof c->path, "/dev/shm%s", name);

	fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		note("%s: %s; counting this worker alone", c->path,
		     strerror(errno));
		goto fallback;
	}
	/* Every worker may be first: growing to the same size is idempotent. */
	if ((e = posix_fallocate(fd, 0, (off_t)sizeof *c->shm)) != 0 &&
	    (fstat(fd, &st) != 0 ||
	     (st.st_size < (off_t)sizeof *c->shm &&
	      ftruncate(fd, (off_t)sizeof *c->shm) != 0))) {
		note("%s: %s; counting this worker alone", c->path,
		     strerror(e));
		close(fd);
		goto fallback;
	}
	p = mmap(NULL, sizeof *c->shm, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	         0);
	close(fd);
	if (p == MAP_FAILED) {
		note("%s: mmap: %s; counting this worker alone", c->path,
		     strerror(errno));
		goto fallback;
	}
	c->shm = p;
	if (!atomic_compare_exchange_strong(&c->shm->magic, &expect,
	                                    SHM_MAGIC) &&
	    expect != SHM_MAGIC) {
		note("%s: laid out by another build; counting this worker alone",
		     c->path);
		munmap(p, sizeof *c->shm);
		goto fallback;
	}
	c->shared = 1;
	take_slot(c);
	return 0;
fallback:
	return alone(c);
}

void counters_close(struct counters *c)
{
	if (c->shared)
		munmap(c->shm, sizeof *c->shm);
	else
		free(c->shm);
	c->shm = NULL;
	c->me = NULL;
}

int status_index(int status)
{
	for (int i = 0; i < NCODES; i++)
		if (status_code[i] == status)
			return i;
	return NCODES;
}

/* Counted before its answer leaves, so that a client that reads
 * /metrics next always sees it. */
void counters_request(struct counters *c, enum route rt, int status,
                      double seconds)
{
	int b = 0, r = (unsigned)rt < NROUTES ? (int)rt : R_OTHER;

	while (b < NBOUNDS && seconds > bucket_le[b])
		b++;
	counters_add(c, C_REQUESTS, 1);
	counters_add(c, C_STATUS + r * NSTATUS + status_index(status), 1);
	counters_add(c, C_BUCKET + r * NBUCKETS + b, 1);
	counters_add(c, C_ROUTE_NS + r,
	             seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

void counters_snapshot(const struct counters *c, struct snapshot *s)
{
	memset(s, 0, sizeof *s);
	s->shared = c->shared;
	s->drift_model =
		atomic_load_explicit(&c->me->drift_model, memory_order_acquire);
	for (int k = 0; k < NSLOTS; k++) {
		struct slot *sl = &c->shm->slot[k];

		if (atomic_load_explicit(&sl->epoch, memory_order_acquire) !=
		            c->epoch ||
		    atomic_load_explicit(&sl->starts, memory_order_relaxed) ==
		            0)
			continue;
		for (int i = 0; i < NCOUNTERS; i++)
			s->t[i] += atomic_load_explicit(&sl->c[i],
			                                memory_order_relaxed);
		if (s->drift_model != 0 &&
		    atomic_load_explicit(&sl->drift_model,
		                         memory_order_acquire) ==
		            s->drift_model)
			for (int f = 0; f < NDRIFT; f++)
				for (int b = 0; b < HD_DRIFT_MAXBINS; b++)
					s->bins[f][b] += atomic_load_explicit(
						&sl->bins[f][b],
						memory_order_relaxed);
		s->worker[s->nworkers].slot = k;
		s->worker[s->nworkers].pid = atomic_load(&sl->pid);
		s->worker[s->nworkers].starts = atomic_load(&sl->starts);
		s->worker[s->nworkers].requests =
			atomic_load_explicit(&sl->c[C_REQUESTS],
		                             memory_order_relaxed);
		s->nworkers++;
	}
}
