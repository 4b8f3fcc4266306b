/*
 * plotdat.c - the numbers behind the plots, as small tables gnuplot
 * reads: one row a line, fields separated by one space, a first line
 * "# " naming the columns.  The tools print them from the JSON document
 * they write, so a plot shows exactly the numbers of the JSON file.
 * The command-line regime (cli.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int hd_plot_begin(struct hd_plot *pl, const char *dir)
{
	memset(pl, 0, sizeof *pl);
	if (hd_mkdir_p(dir) != 0)
		return -1;
	pl->dir = hd_xstrdup(dir);
	return 0;
}

FILE *hd_plot_file(struct hd_plot *pl, const char *name, const char *columns)
{
	struct hd_out *o;
	char *path;
	size_t len;
	int rc;

	if (pl->n == HD_PLOT_FILES) { /* a tool asks for more than it said */
		hd_err("%s/%s: too many plot data files", pl->dir, name);
		return NULL;
	}
	o = &pl->out[pl->n];
	len = strlen(pl->dir) + strlen(name) + 2;
	path = hd_xmalloc(len);
	snprintf(path, len, "%s/%s", pl->dir, name);
	rc = hd_out_open(o, path);
	free(path);
	if (rc != 0)
		return NULL;
	pl->n++;
	fprintf(o->fp, "# %s\n", columns);
	return o->fp;
}

void hd_plot_num(FILE *fp, const cJSON *item, int end)
{
	char buf[HD_NUMBUF];

	if (cJSON_IsRaw(item)) /* hd_json_num's exact text */
		fputs(item->valuestring, fp);
	else if (cJSON_IsNumber(item))
		fputs(hd_fmt_double(buf, item->valuedouble), fp);
	else /* null: undefined */
		fputs("NaN", fp);
	fputc(end, fp);
}

void hd_plot_str(FILE *fp, const char *s, int end)
{
	fputc('"', fp);
	for (; *s; s++)
		fputc(*s == '"' || (unsigned char)*s < ' ' ? '_' : *s, fp);
	fputc('"', fp);
	fputc(end, fp);
}

int hd_plot_commit(struct hd_plot *pl)
{
	int rc = 0;

	for (int i = 0; i < pl->n; i++)
		if (hd_out_commit(&pl->out[i]) != 0)
			rc = -1;
	pl->n = 0;
	free(pl->dir);
	pl->dir = NULL;
	return rc;
}

void hd_plot_abort(struct hd_plot *pl)
{
	for (int i = 0; i < pl->n; i++)
		hd_out_abort(&pl->out[i]);
	pl->n = 0;
	free(pl->dir);
	pl->dir = NULL;
}
