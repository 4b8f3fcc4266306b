/*
 * tests/fuzz/runs.c - libFuzzer harness: hd-runs reading run records
 * (tools/hd-runs/read.c, show.c), the index and a run's files, from
 * any bytes.
 *
 * hd-runs reads files under its --dir, so the harness keeps one folder
 * of its own (mkdtemp in $TMPDIR, else /dev/shm, removed at exit) and
 * writes each input there.
 * The first byte chooses what the rest is:
 *
 *   even: DIR/index.jsonl, read by load_index (the run "r1" exists,
 *         so a line naming it lists it), then resolve on -, ~1 and "r";
 *   odd:  the JSON files of two runs r1 and r2, separated by form feeds
 *         (\f): params, metrics, tags, dataset, signature and manifest
 *         of r1, then the same of r2 (a part r2 lacks is r1's, a part
 *         r1 lacks is empty).  The index lists both.  Then what a user
 *         runs: show r1 (text, or --json when bit 1 of the first byte
 *         is set), diff r1 r2, list (sorted by test ROC-AUC when bit 2
 *         is set).
 *
 * What is checked is what ASan, UBSan and the leak checker check: no
 * crash, no undefined behaviour, no leak, and no exit (a reader of a
 * bad file says why and returns an error).  Their output goes to the
 * closed stdout (-close_fd_mask).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hd-runs/runs.h"

static char dir[64];
static const char *const part[6] = { "params",  "metrics",   "tags",
	                             "dataset", "signature", "manifest" };

static void put(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n) || close(fd))
		__builtin_trap();
}

static void cleanup(void)
{
	rm_tree(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	char path[128];

	(void)argc;
	(void)argv;
	/* Memory, when there is /dev/shm: on a disk the files of each input
	 * cost ten times the parsing. */
	if (!(tmp && *tmp && strlen(tmp) < 30))
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)
		              ? "/dev/shm"
		              : "/tmp";
	snprintf(dir, sizeof dir, "%s/hd-fuzz-runs.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	opt.dir = dir;
	for (int r = 1; r <= 2; r++) {
		snprintf(path, sizeof path, "%s/r%d", dir, r);
		if (mkdir(path, 0755) != 0)
			abort();
	}
	return 0;
}

static const char index_both[] =
	"{\"format\":\"hd-runs-index\",\"version\":1,\"event\":\"run\","
	"\"run\":\"r1\"}\n"
	"{\"format\":\"hd-runs-index\",\"version\":1,\"event\":\"run\","
	"\"run\":\"r2\"}\n";

static void read_index(const uint8_t *data, size_t size)
{
	char path[128];
	struct runs rs;

	snprintf(path, sizeof path, "%s/r1/tags.json", dir);
	put(path, "{}", 2);
	snprintf(path, sizeof path, "%s/r2/tags.json", dir);
	unlink(path); /* r2 is not there: its lines are dropped */
	snprintf(path, sizeof path, "%s/index.jsonl", dir);
	put(path, data, size);
	if (load_index(&rs) != 0)
		return;
	if (rs.n > 0) {
		(void)resolve(&rs, "-");
		(void)resolve(&rs, "~1");
		(void)resolve(&rs, "r");
	}
	free_runs(&rs);
}

static void read_runs(uint8_t mode, const uint8_t *data, size_t size)
{
	const uint8_t *at[12] = { 0 };
	size_t len[12] = { 0 };
	int n = 0;
	char path[128];
	char *show[] = { "r1" }, *diff[] = { "r1", "r2" };

	/* The parts, split at form feeds. */
	for (size_t i = 0, start = 0; i <= size && n < 12; i++)
		if (i == size || data[i] == '\f') {
			at[n] = data + start;
			len[n++] = i - start;
			start = i + 1;
		}
	for (int k = 0; k < 12; k++) {
		int src = k < n ? k : k - 6;

		snprintf(path, sizeof path, "%s/r%d/%s.json", dir, 1 + k / 6,
		         part[k % 6]);
		if (src >= 0 && src < n)
			put(path, at[src], len[src]);
		else
			put(path, "", 0);
	}
	snprintf(path, sizeof path, "%s/index.jsonl", dir);
	put(path, index_both, sizeof index_both - 1);

	opt.json = (mode >> 1) & 1;
	(void)cmd_show(show, 1);
	(void)cmd_diff(diff, 2);
	opt.sort = (mode >> 2) & 1 ? "test.roc_auc" : NULL;
	(void)cmd_list();
	opt.sort = NULL;
	opt.json = 0;
	fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		read_runs(data[0], data + 1, size - 1);
	else
		read_index(data + 1, size - 1);
	return 0;
}
