/*
 * tools/hd-runs/common.c - times, the index's lock and lines, text
 * output (see runs.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runs.h"

void fmt_utc(time_t t, int ms, char buf[40])
{
	char s[32];
	size_t n = strlen(hd_utc_time(t, s));

	/* The library's UTC time, with the milliseconds before its Z. */
	if (n > 0 && s[n - 1] == 'Z')
		s[--n] = '\0';
	snprintf(buf, 40, "%s.%03dZ", s, ms);
}

void add_str_or_null(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

const char *jtext(const cJSON *o, const char *key)
{
	const char *s = jstr(o, key);
	return s ? s : "-";
}

/* Append one line to the index, under its lock. */
int index_append(const char *dir, cJSON *line)
{
	char path[4096];
	char *text = cJSON_PrintUnformatted(line);
	int fd, rc = 0;

	/* Flawfinder: ignore: the format is a literal joined with the literal macro INDEX_NAME */
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

/*
 * A member that is to be walked as named values (metrics, params,
 * class counts) must be an object: the items of an array, or of a
 * number, have no names, and a record's file may hold anything.
 */
const cJSON *jobj(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsObject(v) ? v : NULL;
}

void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		/* hd-runs has one thread: readdir's buffer is not shared. */
		/* cppcheck-suppress readdirCalled */
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

/* A value as people read it: numbers to 6 significant digits. */
void show_value(const cJSON *v, char *buf, size_t len)
{
	double x;

	if (!v || cJSON_IsNull(v))
		snprintf(buf, len, "-");
	else if (cJSON_IsString(v))
		snprintf(buf, len, "%s",
		         v->valuestring[0] ? v->valuestring : "\"\"");
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

const char *short_commit(const cJSON *tags, char buf[16])
{
	const char *c = jstr(tags, "git_commit");

	if (!c)
		return "-";
	snprintf(buf, 16, "%.7s%s", c,
	         cJSON_IsTrue(
			 cJSON_GetObjectItemCaseSensitive(tags, "git_dirty"))
	                 ? "+"
	                 : "");
	return buf;
}

/* ---------------------------------------------------------------------
 * Text output: a line is built, then printed without trailing blanks
 * ------------------------------------------------------------------- */

static char outline[8192];
static size_t outlen;

void emit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	int n = vsnprintf(outline + outlen, sizeof outline - outlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		outlen = outlen + (size_t)n < sizeof outline
		                 ? outlen + (size_t)n
		                 : sizeof outline - 1;
}

void endline(void)
{
	while (outlen > 0 && outline[outlen - 1] == ' ')
		outlen--;
	outline[outlen] = '\0';
	puts(outline);
	outlen = 0;
}
