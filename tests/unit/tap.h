/*
 * tap.h - what every C unit test shares: checks printed as TAP ("ok N -
 * what", "not ok N - what"), and the closing plan.  tests/run counts
 * them; a plan not run to its end counts as failures.
 *
 *   check(ok, "what %d", n);     one check; returns ok
 *   return tap_done();           "1..N", exit status 1 if any failed
 */
#ifndef HD_TAP_H
#define HD_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_checks, tap_failed;

static inline int check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int check(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_checks++;
	if (!ok)
		tap_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", tap_checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return ok;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_checks);
	if (tap_failed)
		printf("# %d of %d checks failed\n", tap_failed, tap_checks);
	return tap_failed ? 1 : 0;
}

#endif
