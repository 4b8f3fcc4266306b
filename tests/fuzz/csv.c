/*
 * tests/fuzz/csv.c - libFuzzer harness: the CSV record reader (csvin.c)
 * and the clean-CSV row parser (data.c) on any bytes.
 *
 * The input is a file (a memfd, opened by its /proc path as the tools
 * open theirs); every record is pulled.  The first one is taken as a
 * header (hd_header_map) and, when it maps, every later one as a
 * patient (hd_record_patient), as hd_dataset_read and hd-predict do.
 *
 * Properties, each a trap when broken: every field is len bytes and a
 * NUL; records start on lines that do not go back nor pass the lines
 * read; and a file read to its end without an error hashed exactly its
 * bytes (hd_csv_hash: the data set's identity in every run record).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], hex[HD_SHA256_HEX], want[HD_SHA256_HEX];
	char err[256];
	struct hd_csv *r;
	struct hd_record rec;
	struct hd_columns cols;
	int fd, rc, header = 1, mapped = 0;
	long last = 0;

	if ((fd = memfd_create("hd-fuzz-csv", 0)) < 0)
		__builtin_trap();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if ((r = hd_csv_open(path)) == NULL)
		__builtin_trap();
	close(fd); /* the reader has its own descriptor */
	hd_csv_hash(r);
	while ((rc = hd_csv_next(r, &rec)) == 1) {
		if (rec.n == 0 || rec.line <= last ||
		    rec.line > hd_csv_lines(r))
			__builtin_trap();
		last = rec.line;
		for (size_t i = 0; i < rec.n; i++)
			if (strlen(rec.field[i]) != rec.len[i])
				__builtin_trap();
		if (header) {
			header = 0;
			mapped = hd_header_map(&rec, path, &cols) == 0;
		} else if (mapped) {
			double x[HD_NFEAT];
			uint8_t y = 2;
			long bad = -1;

			if (hd_record_patient(&rec, &cols, x, &y, err,
			                      sizeof err, &bad) == 0) {
				for (int f = 0; f < HD_NFEAT; f++)
					if (!isnan(x[f]) &&
					    hd_feature_check(&hd_features[f],
					                     x[f], 0) != NULL)
						__builtin_trap();
				if (cols.target >= 0 && y > 1)
					__builtin_trap();
			} else if (bad < 0 || bad > (long)rec.n ||
			           strlen(err) == 0) {
				__builtin_trap();
			}
		}
	}
	if (rc == 0) {
		hd_csv_sha256(r, hex);
		hd_sha256_hex(data, size, want);
		if (strcmp(hex, want) != 0)
			__builtin_trap();
	}
	hd_csv_close(&r);
	return 0;
}
