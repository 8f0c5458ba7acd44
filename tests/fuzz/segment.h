/*
 * Shared by the fuzz targets that split and coalesce TCP: whether two
 * segments agree but where a split may make them differ.
 */
#ifndef FUZZ_SEGMENT_H
#define FUZZ_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

static inline int
segment_same(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t	i, l4 = a[0] >> 4 == 4 ? 20 : 40;

	for (i = 0; i < len; i++) {
		if (a[0] >> 4 == 4 && (i == 4 || i == 5 || i == 10 || i == 11))
			continue;	/* IPv4 id and header checksum */
		if (i == l4 + 16 || i == l4 + 17)
			continue;	/* TCP checksum */
		if (a[i] != b[i])
			return 0;
	}
	return 1;
}

#endif
