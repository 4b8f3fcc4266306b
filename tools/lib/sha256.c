/*
 * sha256.c - SHA-256 through Nettle.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "hd.h"

void hd_hex(const uint8_t *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

void hd_sha256(const void *data, size_t len, uint8_t digest[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, SHA256_DIGEST_SIZE, digest);
}

void hd_sha256_hex(const void *data, size_t len, char hex[HD_SHA256_HEX])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	hd_sha256(data, len, d);
	hd_hex(d, SHA256_DIGEST_SIZE, hex);
}

int hd_sha256_file(const char *path, char hex[HD_SHA256_HEX])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE], buf[65536];
	struct stat st;
	FILE *fp;
	size_t n;
	/* O_NONBLOCK: a FIFO nobody writes to would block open(2). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	/* A digest names bytes that can be read again: a regular file's,
	 * not a pipe's or a device's (/dev/zero would be read for ever). */
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	if ((fp = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return -1;
	}
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sha256_update(&c, n, buf);
	if (ferror(fp)) {
		int e = errno;

		fclose(fp);
		errno = e;
		return -1;
	}
	fclose(fp);
	sha256_digest(&c, SHA256_DIGEST_SIZE, d);
	hd_hex(d, SHA256_DIGEST_SIZE, hex);
	return 0;
}
