/*
 * served.c - the model a worker serves.
 *
 * The path is looked at (stat) before a request at most every
 * reload_ms.  When the file is not the one last examined (device,
 * inode, size, times), it is read and parsed into a new model; only a
 * model that loads replaces the old one.  A refused file is remembered
 * by its identity, so it is not retried until it changes again.
 *
 * Every model a worker verifies is also copied, atomically, beside the
 * shared counters (/dev/shm/hd-fcgi-ID-v1.model), and the counters
 * record the lighttpd (epoch) that wrote it.  A worker that starts
 * under the same lighttpd (a graceful restart, a respawn) and cannot
 * load the configured file serves that copy instead, so the promise
 * "a broken file is refused and the old model keeps serving" holds
 * across restarts too; /health still names the refused file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fcgi.h"

static struct served *const S = &server.model;

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

/*
 * The identity texts of a model, built once per load so that a request
 * only copies them.  0, or -1 when out of memory.
 */
static int describe(const struct hd_model *m, size_t bytes, int restored,
                    char **identity, char **detail)
{
	cJSON *id = cJSON_CreateObject(), *d;
	const char *created = hd_model_created(m);
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
	ok = d && cJSON_AddStringToObject(d, "path", server.cfg.model) &&
	     cJSON_AddNumberToObject(d, "bytes", (double)bytes) &&
	     cJSON_AddNumberToObject(d, "encoded_features", m->prep.dim) &&
	     cJSON_AddStringToObject(d, "loaded_at",
	                             hd_utc_time(time(NULL), when)) &&
	     (!restored ||
	      cJSON_AddStringToObject(d, "restored_from", S->copy));
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
		counters_add(&server.counters, C_REFUSED, 1);
	if (S->ok)
		note("%s: refused (%s); still serving sha256 %s",
		     server.cfg.model, reason, S->m.sha256);
	else
		note("%s: cannot load: %s", server.cfg.model, reason);
	if (!S->ok)
		snprintf(S->why, sizeof S->why, "%s: %s", server.cfg.model,
		         reason);
	free(S->refused);
	S->refused = NULL;
	if (o && cJSON_AddStringToObject(o, "path", server.cfg.model) &&
	    cJSON_AddStringToObject(o, "reason", reason) &&
	    cJSON_AddStringToObject(o, "at", hd_utc_time(time(NULL), when)) &&
	    (sha256 ? cJSON_AddStringToObject(o, "sha256", sha256) != NULL
	            : cJSON_AddNullToObject(o, "sha256") != NULL))
		S->refused = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
}

/* Keep text, which just loaded, as the last verified copy. */
static void keep_copy(const char *text, size_t len)
{
	char tmp[sizeof S->copy + 24];
	size_t done = 0;
	int fd;

	if (S->copy[0] == '\0')
		return;
	snprintf(tmp, sizeof tmp, "%s.%ld", S->copy, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t k = write(fd, text + done, len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			goto fail;
		}
		done += (size_t)k;
	}
	if (close(fd) != 0 || rename(tmp, S->copy) != 0)
		goto fail;
	atomic_store(&server.counters.shm->model_epoch, server.counters.epoch);
	return;
fail:
	note("%s: %s; a restart cannot fall back to this model", S->copy,
	     strerror(errno));
	unlink(tmp);
}

/* Serve m, parsed from len bytes; takes m.  0, or -1 (m freed). */
static int install(struct hd_model *m, size_t len, int restored, int at_start)
{
	char hex[HD_SHA256_HEX], *identity, *detail;
	double *z =
		malloc((size_t)(m->prep.dim > 0 ? m->prep.dim : 1) * sizeof *z);

	if (z == NULL || describe(m, len, restored, &identity, &detail) != 0) {
		free(z);
		snprintf(hex, sizeof hex, "%s", m->sha256);
		hd_model_free(m);
		if (!restored)
			refuse("out of memory", hex, at_start);
		return -1;
	}
	if (S->ok) {
		hd_model_free(&S->m);
		free(S->z);
		free(S->identity);
		free(S->detail);
	}
	S->m = *m;
	drift_reset(&server.counters, &S->m);
	S->z = z;
	S->identity = identity;
	S->detail = detail;
	S->restored = restored;
	if (restored) {
		note("%s: serving the last verified model, sha256 %s, from %s",
		     server.cfg.model, m->sha256, S->copy);
	} else {
		free(S->refused);
		S->refused = NULL;
		if (!at_start)
			counters_add(&server.counters, C_RELOADS, 1);
		note("%s: %s %s, sha256 %s", server.cfg.model,
		     at_start ? "serving"
		     : S->ok  ? "reloaded"
		              : "loaded",
		     hd_model_kind_name(m->kind), m->sha256);
	}
	S->ok = 1;
	return 0;
}

/* Load the file at server.cfg.model and serve it if it loads. */
static void load(int at_start)
{
	struct hd_model m;
	struct stat st;
	char err[300], hex[HD_SHA256_HEX], *text;
	size_t len;
	int fd;

	/*
	 * O_NONBLOCK: a FIFO put in the model's place must not block the
	 * worker in open(); it, a device or a folder is refused below.
	 */
	fd = open(server.cfg.model, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
		if (e != ENOENT && stat(server.cfg.model, &st) == 0) {
			file_id_of(&st, &S->seen);
			S->seen_valid = 1;
			refuse(strerror(e), NULL, at_start);
			return;
		}
		if (!S->ok)
			snprintf(S->why, sizeof S->why, "%s: %s",
			         server.cfg.model, strerror(e));
		if (!S->ok || at_start)
			note("%s: %s", server.cfg.model, strerror(e));
		S->seen_valid = 0;
		return;
	}
	file_id_of(&st, &S->seen);
	S->seen_valid = 1;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > HD_MODEL_MAX_BYTES) {
		char why[80];

		close(fd);
		if (S_ISREG(st.st_mode))
			snprintf(why, sizeof why,
			         "larger than the limit of %zu bytes",
			         HD_MODEL_MAX_BYTES);
		else
			snprintf(why, sizeof why, "not a regular file");
		refuse(why, NULL, at_start);
		return;
	}
	text = hd_read_fd(fd, (size_t)st.st_size, HD_MODEL_MAX_BYTES, &len, err,
	                  sizeof err);
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
	if (install(&m, len, 0, at_start) == 0)
		keep_copy(text, len);
	free(text);
}

/* At start-up, when the configured file cannot be served: the copy a
 * worker of this same lighttpd verified, if there is one. */
static void restore(void)
{
	struct hd_model m;
	struct stat st;
	char err[300];

	if (S->copy[0] == '\0' ||
	    atomic_load(&server.counters.shm->model_epoch) !=
	            server.counters.epoch ||
	    stat(S->copy, &st) != 0)
		return;
	if (hd_model_load(&m, S->copy, HD_MODEL_MAX_BYTES, err, sizeof err) !=
	    0) {
		note("%s: %s; no model to fall back to", S->copy, err);
		return;
	}
	install(&m, (size_t)st.st_size, 1, 1);
}

void served_start(void)
{
	if (server.counters.shared)
		snprintf(S->copy, sizeof S->copy, "%s.model",
		         server.counters.path);
	load(1);
	if (!S->ok)
		restore();
	clock_gettime(CLOCK_MONOTONIC, &S->checked);
	S->checked_once = 1;
}

void served_watch(const struct timespec *now)
{
	struct stat st;
	struct file_id f;

	if (S->checked_once && seconds_between(&S->checked, now) * 1000 <
	                               (double)server.cfg.reload_ms)
		return;
	S->checked = *now;
	S->checked_once = 1;
	if (stat(server.cfg.model, &st) != 0) {
		if (!S->ok)
			snprintf(S->why, sizeof S->why, "%s: %s",
			         server.cfg.model, strerror(errno));
		S->seen_valid = 0;
		return;
	}
	file_id_of(&st, &f);
	if (S->seen_valid && file_id_same(&f, &S->seen))
		return;
	load(0);
}

void served_drop(void)
{
	if (S->ok) {
		hd_model_free(&S->m);
		free(S->z);
		free(S->identity);
		free(S->detail);
	}
	free(S->refused);
	memset(S, 0, sizeof *S);
}

/* What an operator runs before moving a file in. */
int served_check(const char *path)
{
	struct hd_model m;
	struct timespec t0, t1;
	double first = 0, best = 0;
	char err[300];

	for (int i = 0; i < 5; i++) {
		double ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (hd_model_load(&m, path, HD_MODEL_MAX_BYTES, err,
		                  sizeof err) != 0) {
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
	       hd_model_created(&m) ? hd_model_created(&m) : "unknown");
	printf("%s: loaded in %.3f ms (best of 5: %.3f ms)\n", path, first,
	       best);
	hd_model_free(&m);
	return HD_EXIT_OK;
}
