/*
 * fake_uname.c - linked into tests/pushbuild-fakearch with
 * -Wl,--wrap=uname: the real uname(2), with the machine replaced by
 * $PUSHBUILD_TEST_MACHINE when set.  Only the test binary has this; the
 * installed pushbuild has no way to pretend to be another architecture.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

int __real_uname(struct utsname *buf);
int __wrap_uname(struct utsname *buf);

int
__wrap_uname(struct utsname *buf)
{
	const char *machine = getenv("PUSHBUILD_TEST_MACHINE");
	int ret = __real_uname(buf);

	if (ret == 0 && machine != NULL) {
		strncpy(buf->machine, machine, sizeof(buf->machine) - 1);
		buf->machine[sizeof(buf->machine) - 1] = '\0';
	}
	return ret;
}
