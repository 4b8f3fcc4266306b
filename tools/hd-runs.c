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
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hd-runs/runs.h"

const struct hd_usage usage = {
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

enum {
	O_SORT = 0x100,
	O_KEEP,
	O_STATUS,
	O_STEP,
	O_MESSAGE,
	O_START,
	O_COMMAND,
	O_EXPERIMENT,
	O_PARAM,
	O_TAG,
	O_MODEL,
	O_METRICS,
	O_LOSO,
	O_SELECTED,
	O_SOURCE,
	O_RAW,
	O_CLEAN,
	O_TRAIN,
	O_TEST,
	O_ARTIFACT,
	O_COPY_MAX,
	O_GIT,
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

struct runs_opt opt = { .limit = -1, .keep = -1, .copy_max = 1 << 20 };

static void list_add(struct list *l, const char *s)
{
	l->v = hd_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = s;
}

/* Split "NAME=VALUE" at the first '='; exit 2 if there is none. */
void split_kv(const char *optname, const char *arg, char **key,
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
		case 'n':
			opt.limit = hd_opt_long("--limit", optarg, 0, 1L << 30);
			break;
		case 'a': opt.all = 1; break;
		case O_SORT: opt.sort = optarg; break;
		case O_KEEP:
			opt.keep = hd_opt_long("--keep", optarg, 0, 1L << 30);
			break;
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
		case O_COPY_MAX:
			opt.copy_max =
				hd_opt_long("--copy-max", optarg, 0, 1L << 40);
			break;
		case O_GIT: opt.git = optarg; break;
		default: hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		hd_err("no command (list, show, diff, gc or record)");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (!opt.dir) {
		const char *env = getenv("HD_RUNS_DIR");
		opt.dir = env && *env ? env : "artifacts/runs";
	}
	cmd = argv[optind++];
	char **rest = argv + optind;
	int nrest = argc - optind;

	/* Options that belong to another command are usage errors. */
	struct {
		const char *cmd;
		int used;
		const char *what;
	} misuse[] = {
		{ "list", opt.sort != NULL, "--sort" },
		{ "list", opt.limit >= 0, "--limit" },
		{ "diff", opt.all, "--all" },
		{ "gc", opt.keep >= 0, "--keep" },
		{ "record",
		  opt.status || opt.step || opt.message || opt.start ||
		          opt.command || opt.experiment || opt.selected ||
		          opt.source || opt.clean || opt.train || opt.test ||
		          opt.git || opt.params.n || opt.tags.n ||
		          opt.models.n || opt.metrics.n || opt.loso.n ||
		          opt.raw.n || opt.artifacts.n,
		  "a record option" },
	};
	for (size_t i = 0; i < sizeof misuse / sizeof misuse[0]; i++)
		if (misuse[i].used && strcmp(cmd, misuse[i].cmd) != 0) {
			hd_err("%s is for %s, not %s", misuse[i].what,
			       misuse[i].cmd, cmd);
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
	int rc;
	if (!strcmp(cmd, "list") || !strcmp(cmd, "gc") ||
	    !strcmp(cmd, "record")) {
		if (nrest != 0) {
			hd_err("%s takes no operands ('%s')", cmd, rest[0]);
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
		if (opt.json && strcmp(cmd, "list") != 0) {
			hd_err("--json is for list, show and diff");
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
		rc = !strcmp(cmd, "list") ? cmd_list()
		     : !strcmp(cmd, "gc") ? cmd_gc()
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
