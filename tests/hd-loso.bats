#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-loso: leave-one-site-out validation on the UCI data's four sites.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	hd-clean "${RAW[@]}" > heart.csv
	hd-split --train train.csv --test test.csv heart.csv
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 30 --max-depth 5 -o rf.json train.csv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	for f in heart.csv lr.json rf.json; do ln -s "$BATS_FILE_TMPDIR/$f" .; done
}

# The rows of heart.csv at site $1 (held = 1) or at every other site.
site_rows() {
	awk -F, -v s="$1" -v held="$2" 'NR == 1 || (($1 == s) == (held == 1))' heart.csv
}

@test "every site is held out once: its rows tested, all the others trained on" {
	run -0 --separate-stderr hd-loso -b 0 -o l.json lr.json heart.csv
	[ "$(jq -r '.format, .version' l.json | tr '\n' ' ')" = "hd-loso 1 " ]
	[ "$(jq -r '.sites | keys | join(" ")' l.json)" = "cleveland hungarian switzerland va" ]
	jq -e '.data.rows == 918 and ([.sites[] | .train_rows + .test_rows == 918] | all)' l.json
	jq -e '[.sites[].test_rows] | add == 918' l.json
	jq -e '.sites.va.test.n == 199 and .sites.va.test.calibration.slope != null' l.json
}

@test "a held-out site's figures are those of hd-fit-lr on the other sites and hd-eval on it" {
	hd-loso -b 100 --seed 7 -o l.json lr.json heart.csv
	for s in cleveland switzerland; do
		site_rows "$s" 0 > train.csv
		site_rows "$s" 1 > held.csv
		hd-fit-lr --cv 0 -o m.json train.csv
		hd-eval -b 100 --seed 7 -o e.json m.json held.csv
		[ "$(jq -c .test e.json)" = "$(jq -c ".sites.$s.test" l.json)" ] || fail "$s differs"
	done
}

@test "the forest is refitted with the hyperparameters its file records" {
	hd-loso -b 0 -o l.json rf.json heart.csv
	jq -e '.model.hyperparameters.n_estimators == 30 and .model.hyperparameters.max_depth == 5' l.json
	site_rows hungarian 0 > train.csv
	site_rows hungarian 1 > held.csv
	hd-fit-rf --cv 0 --trees 30 --max-depth 5 -o m.json train.csv
	hd-eval -b 0 -o e.json m.json held.csv
	[ "$(jq .test.roc_auc e.json)" = "$(jq .sites.hungarian.test.roc_auc l.json)" ]
	[ "$(jq -c .test.confusion e.json)" = "$(jq -c .sites.hungarian.test.confusion l.json)" ]
}

@test "data without a source column, or with one site, is refused" {
	cut -d, -f2- heart.csv > nosource.csv
	run -1 --separate-stderr hd-loso lr.json nosource.csv
	[ "$stderr" = "hd-loso: nosource.csv: leaving one site out needs a 'source' column with two sites or more" ]
	site_rows va 1 > va.csv
	run -1 --separate-stderr hd-loso lr.json va.csv
	[[ "$stderr" == *"two sites or more" ]]
	run -2 --separate-stderr hd-loso lr.json
	[ "${stderr_lines[0]}" = "hd-loso: a model and a data file are needed" ]
}
