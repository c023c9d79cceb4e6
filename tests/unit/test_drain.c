/*
 * test_drain.c - the retry backoff: doubled per attempt from backoff,
 * never past backoff_max, then moved by at most a tenth either way.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "drain.h"

/* A conf with only the [retry] keys that drain_backoff() reads. */
static struct conf
retry_conf(unsigned backoff, unsigned backoff_max)
{
	struct conf cf;

	memset(&cf, 0, sizeof(cf));
	cf.backoff = backoff;
	cf.backoff_max = backoff_max;
	return cf;
}

static void
test_drain_backoff_doubles_per_attempt(void **state)
{
	struct conf cf = retry_conf(300, 3600);

	/* noise 30 is the middle of 2 * 30 + 1: no jitter for 300 s. */
	assert_int_equal(drain_backoff(&cf, 1, 30), 300);
	assert_int_equal(drain_backoff(&cf, 2, 60), 600);
	assert_int_equal(drain_backoff(&cf, 3, 120), 1200);
}

static void
test_drain_backoff_capped_at_max(void **state)
{
	struct conf cf = retry_conf(300, 3600);

	assert_int_equal(drain_backoff(&cf, 5, 360), 3600);
	assert_int_equal(drain_backoff(&cf, 1000, 360), 3600);
}

static void
test_drain_backoff_jitter_within_a_tenth(void **state)
{
	struct conf cf = retry_conf(300, 3600);
	unsigned noise, d, lo = ~0u, hi = 0;

	for (noise = 0; noise < 1000; noise++) {
		d = drain_backoff(&cf, 1, noise);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}

	assert_int_equal(lo, 270);
	assert_int_equal(hi, 330);
}

static void
test_drain_backoff_zero_is_at_once(void **state)
{
	struct conf cf = retry_conf(0, 0);

	assert_int_equal(drain_backoff(&cf, 3, 12345), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_backoff_doubles_per_attempt),
		cmocka_unit_test(test_drain_backoff_capped_at_max),
		cmocka_unit_test(test_drain_backoff_jitter_within_a_tenth),
		cmocka_unit_test(test_drain_backoff_zero_is_at_once),
	};

	return cmocka_run_group_tests_name("drain", tests, NULL, NULL);
}
