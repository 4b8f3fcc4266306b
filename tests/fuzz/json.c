/*
 * tests/fuzz/json.c - libFuzzer harness: the strict JSON grammar
 * (hd_json_strict, hd_utf8_valid) and the parse over it (hd_json_parse),
 * which every model file, run record and /predict body goes through.
 *
 * Properties, each a trap when broken:
 *
 *   - What hd_json_strict takes, cJSON reads (validate.c counts on it:
 *     a NULL from cJSON after the check is taken for no memory), and
 *     hd_json_parse gives a document; what it refuses, hd_json_parse
 *     refuses too, with the offset of the fault inside the text.
 *   - A text it takes is UTF-8 as a whole (hd_utf8_valid).
 *   - cJSON's printing of a document it took is strict JSON again: the
 *     server echoes strings of a body back in its 422 answers.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *again;
	size_t at = (size_t)-1, at2;
	const char *why = NULL;
	long line = 0, col = 0;
	cJSON *doc, *loose;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (hd_json_strict(text, size, &at, &why) != 0) {
		if (why == NULL || at > size)
			__builtin_trap();
		if ((doc = hd_json_parse(text, size, &line, &col)) != NULL ||
		    line < 1 || col < 1)
			__builtin_trap();
		free(text);
		return 0;
	}
	if (!hd_utf8_valid(text, size))
		__builtin_trap();
	if ((loose = cJSON_ParseWithLength(text, size)) == NULL)
		__builtin_trap();
	if ((doc = hd_json_parse(text, size, &line, &col)) == NULL)
		__builtin_trap();
	if ((again = cJSON_PrintUnformatted(doc)) == NULL)
		__builtin_trap();
	if (hd_json_strict(again, strlen(again), &at2, &why) != 0) {
		fprintf(stderr,
		        "cJSON printed what is not strict JSON at %zu "
		        "(%s): %s\n",
		        at2, why, again);
		__builtin_trap();
	}
	free(again);
	cJSON_Delete(loose);
	cJSON_Delete(doc);
	free(text);
	return 0;
}
