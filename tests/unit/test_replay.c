#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "t.h"

#define LIMIT	REPLAY_REJECT_AFTER
#define WIN	REPLAY_WINDOW

/* Accept every counter in [from, to]; the first refused one, or -1. */
static int64_t
fill(struct replay *r, uint64_t from, uint64_t to)
{
	uint64_t	 c;

	for (c = from; c <= to; c++)
		if (replay_update(r, c) != REPLAY_OK)
			return (int64_t)c;
	return -1;
}

/* The first counter in [from, to] not refused for why, or -1. */
static int64_t
all_refused(struct replay *r, uint64_t from, uint64_t to,
    enum replay_result why)
{
	uint64_t	 c;

	for (c = from; c <= to; c++)
		if (replay_check(r, c) != why || replay_update(r, c) != why)
			return (int64_t)c;
	return -1;
}

/*
 * The naive reference: one bit for every counter in [base, base + span)
 * ever accepted, the greatest one, and the window rule spelled plainly.
 */
struct ref {
	uint64_t	 base, span, greatest;
	int		 any;
	uint8_t		*seen;
};

static void
ref_init(struct ref *f, uint64_t base, uint64_t span)
{
	memset(f, 0, sizeof(*f));
	f->base = base;
	f->span = span;
	if ((f->seen = calloc(span / 8 + 1, 1)) == NULL)
		abort();
}

static enum replay_result
ref_update(struct ref *f, uint64_t c)
{
	uint64_t	 i = c - f->base;

	if (c >= LIMIT)
		return REPLAY_LIMIT;
	if (i >= f->span)
		abort();
	if (f->any && c <= f->greatest) {
		if (f->greatest - c >= WIN)
			return REPLAY_TOO_OLD;
		if (f->seen[i / 8] & (1 << (i % 8)))
			return REPLAY_DUPLICATE;
	}
	f->seen[i / 8] |= 1 << (i % 8);
	if (!f->any || c > f->greatest)
		f->greatest = c;
	f->any = 1;
	return REPLAY_OK;
}

/* Below n (at most 2^31), from a seeded and so repeatable sequence. */
static uint64_t
rnd(uint64_t n)
{
	return (uint64_t)random() % n;
}

/*
 * Feed a window and the reference the same counters: each step moves a
 * cursor forward by up to fwd and picks a counter up to back below it.
 * Check and update must both agree with the reference at every step.
 */
static int
against_ref(unsigned seed, uint64_t base, unsigned steps, uint64_t fwd,
    uint64_t back)
{
	struct replay	 r;
	struct ref	 f;
	uint64_t	 cur = base + back, c, span;
	enum replay_result want;
	unsigned	 i;
	int		 bad = 0;

	srandom(seed);
	span = back + (uint64_t)steps * fwd + 1;
	replay_init(&r);
	ref_init(&f, base, span);
	for (i = 0; i < steps && !bad; i++) {
		cur += rnd(fwd + 1);
		c = cur - rnd(back + 1);
		if (c - base >= span)
			c = cur;
		want = ref_update(&f, c);
		if (replay_check(&r, c) != want ||
		    replay_update(&r, c) != want)
			bad = 1;
	}
	free(f.seen);
	return bad ? (int)i : 0;
}

static void
empty_accepts_zero(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_check(&r, 0), REPLAY_OK);
	CHECK_INT(replay_update(&r, 0), REPLAY_OK);
}

static void
zero_twice(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, 0), REPLAY_OK);
	CHECK_INT(replay_check(&r, 0), REPLAY_DUPLICATE);
	CHECK_INT(replay_update(&r, 0), REPLAY_DUPLICATE);
}

static void
empty_accepts_anything_below_limit(void)
{
	static const uint64_t c[] = { 0, 1, 63, 64, 8191, 8192, UINT64_C(1) << 63,
	    LIMIT - 1 };
	struct replay	 r;
	size_t		 i;

	replay_init(&r);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECK_INT(replay_check(&r, c[i]), REPLAY_OK);
}

static void
in_order_from_zero(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 100000), -1);
}

static void
in_order_then_replayed(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 20000), -1);
	CHECK_INT(all_refused(&r, 20000 - WIN + 1, 20000, REPLAY_DUPLICATE),
	    -1);
	CHECK_INT(all_refused(&r, 0, 20000 - WIN, REPLAY_TOO_OLD), -1);
}

static void
check_changes_nothing(void)
{
	struct replay	 r, before;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 100), -1);
	memcpy(&before, &r, sizeof(r));
	CHECK_INT(replay_check(&r, 5000), REPLAY_OK);
	CHECK_INT(replay_check(&r, 101), REPLAY_OK);
	CHECK_INT(replay_check(&r, 50), REPLAY_DUPLICATE);
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
	CHECK_INT(replay_update(&r, 5000), REPLAY_OK);
}

static void
first_counter_not_zero(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, 1000), REPLAY_OK);
	CHECK_INT(fill(&r, 0, 999), -1);
	CHECK_INT(all_refused(&r, 0, 1000, REPLAY_DUPLICATE), -1);
}

static void
late_zero_at_edge(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, WIN - 1), REPLAY_OK);
	CHECK_INT(replay_update(&r, 0), REPLAY_OK);
	CHECK_INT(replay_update(&r, 0), REPLAY_DUPLICATE);
}

static void
late_zero_too_old(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, WIN), REPLAY_OK);
	CHECK_INT(replay_check(&r, 0), REPLAY_TOO_OLD);
	CHECK_INT(replay_update(&r, 0), REPLAY_TOO_OLD);
	CHECK_INT(replay_update(&r, 1), REPLAY_OK);
}

static void
reverse_within_window(void)
{
	struct replay	 r;
	uint64_t	 c;

	replay_init(&r);
	for (c = WIN; c-- > 0;)
		CHECK_INT(replay_update(&r, c), REPLAY_OK);
	CHECK_INT(all_refused(&r, 0, WIN - 1, REPLAY_DUPLICATE), -1);
}

static void
reverse_from_high(void)
{
	struct replay	 r;
	uint64_t	 g = 1000003, c;

	replay_init(&r);
	for (c = g; c > g - WIN; c--)
		CHECK_INT(replay_update(&r, c), REPLAY_OK);
	CHECK_INT(replay_update(&r, g - WIN), REPLAY_TOO_OLD);
	CHECK_INT(all_refused(&r, g - WIN + 1, g, REPLAY_DUPLICATE), -1);
}

static void
swapped_pairs(void)
{
	struct replay	 r;
	uint64_t	 c;

	replay_init(&r);
	for (c = 0; c < 30000; c += 2) {
		CHECK_INT(replay_update(&r, c + 1), REPLAY_OK);
		CHECK_INT(replay_update(&r, c), REPLAY_OK);
		CHECK_INT(replay_update(&r, c + 1), REPLAY_DUPLICATE);
	}
}

static void
even_then_odd(void)
{
	struct replay	 r;
	uint64_t	 c;

	replay_init(&r);
	for (c = 0; c < WIN; c += 2)
		CHECK_INT(replay_update(&r, c), REPLAY_OK);
	for (c = 1; c < WIN; c += 2)
		CHECK_INT(replay_update(&r, c), REPLAY_OK);
	CHECK_INT(all_refused(&r, 0, WIN - 1, REPLAY_DUPLICATE), -1);
}

static void
edge_accepted(void)
{
	struct replay	 r;
	uint64_t	 g = 50000;

	replay_init(&r);
	CHECK_INT(replay_update(&r, g), REPLAY_OK);
	CHECK_INT(replay_check(&r, g - (WIN - 1)), REPLAY_OK);
	CHECK_INT(replay_update(&r, g - (WIN - 1)), REPLAY_OK);
	CHECK_INT(replay_update(&r, g - (WIN - 1)), REPLAY_DUPLICATE);
}

static void
one_past_edge_too_old(void)
{
	struct replay	 r;
	uint64_t	 g = 50000;

	replay_init(&r);
	CHECK_INT(replay_update(&r, g), REPLAY_OK);
	CHECK_INT(replay_check(&r, g - WIN), REPLAY_TOO_OLD);
	CHECK_INT(replay_update(&r, g - WIN), REPLAY_TOO_OLD);
}

/* The edge must not depend on where the greatest sits in its word. */
static void
edge_every_bit_offset(void)
{
	struct replay	 r;
	uint64_t	 g;

	for (g = 3 * REPLAY_BITS; g < 3 * REPLAY_BITS + 3 * 64; g++) {
		replay_init(&r);
		CHECK_INT(replay_update(&r, g), REPLAY_OK);
		CHECK_INT(replay_check(&r, g - WIN), REPLAY_TOO_OLD);
		CHECK_INT(replay_update(&r, g - (WIN - 1)), REPLAY_OK);
	}
}

/* A full window, then a step of one: exactly one counter falls out. */
static void
edge_moves_by_one(void)
{
	struct replay	 r;
	uint64_t	 g;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, WIN - 1), -1);
	for (g = WIN; g < WIN + 200; g++) {
		CHECK_INT(replay_update(&r, g), REPLAY_OK);
		CHECK_INT(replay_check(&r, g - WIN), REPLAY_TOO_OLD);
		CHECK_INT(replay_check(&r, g - WIN + 1), REPLAY_DUPLICATE);
	}
}

static void
too_old_changes_nothing(void)
{
	struct replay	 r, before;

	replay_init(&r);
	CHECK_INT(fill(&r, 10000, 10100), -1);
	memcpy(&before, &r, sizeof(r));
	CHECK_INT(replay_update(&r, 10100 - WIN), REPLAY_TOO_OLD);
	CHECK_INT(replay_update(&r, 0), REPLAY_TOO_OLD);
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
}

static void
duplicate_changes_nothing(void)
{
	struct replay	 r, before;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 300), -1);
	memcpy(&before, &r, sizeof(r));
	CHECK_INT(replay_update(&r, 300), REPLAY_DUPLICATE);
	CHECK_INT(replay_update(&r, 7), REPLAY_DUPLICATE);
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
}

static void
duplicate_of_greatest(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, 77777), REPLAY_OK);
	CHECK_INT(replay_check(&r, 77777), REPLAY_DUPLICATE);
	CHECK_INT(replay_update(&r, 77777), REPLAY_DUPLICATE);
}

static void
duplicate_after_slide(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, 100), REPLAY_OK);
	CHECK_INT(replay_update(&r, 100 + WIN - 1), REPLAY_OK);
	CHECK_INT(replay_update(&r, 100), REPLAY_DUPLICATE);
	CHECK_INT(replay_update(&r, 100 + WIN), REPLAY_OK);
	CHECK_INT(replay_update(&r, 100), REPLAY_TOO_OLD);
}

static void
gap_filled_later(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 99), -1);
	CHECK_INT(fill(&r, 200, 5000), -1);
	CHECK_INT(fill(&r, 100, 199), -1);
	CHECK_INT(all_refused(&r, 0, 5000, REPLAY_DUPLICATE), -1);
}

static void
word_boundaries(void)
{
	static const uint64_t c[] = { 62, 63, 64, 65, 127, 128, 191, 192 };
	struct replay	 r;
	size_t		 i;

	replay_init(&r);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECK_INT(replay_update(&r, c[i]), REPLAY_OK);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECK_INT(replay_check(&r, c[i]), REPLAY_DUPLICATE);
	CHECK_INT(fill(&r, 0, 61), -1);
	CHECK_INT(fill(&r, 66, 126), -1);
	CHECK_INT(fill(&r, 129, 190), -1);
}

/* After a jump, counters sharing a slot with old ones are not duplicates. */
static void
big_jump_clears_ring(void)
{
	struct replay	 r;
	uint64_t	 g = 5 * REPLAY_BITS + 17;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, REPLAY_BITS - 1), -1);
	CHECK_INT(replay_update(&r, g), REPLAY_OK);
	CHECK_INT(fill(&r, g - (WIN - 1), g - 1), -1);
	CHECK_INT(all_refused(&r, 0, g - WIN, REPLAY_TOO_OLD), -1);
}

static void
jump_of_ring_size(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 500), -1);
	CHECK_INT(replay_update(&r, 500 + REPLAY_BITS), REPLAY_OK);
	CHECK_INT(fill(&r, 501 + REPLAY_BITS - WIN, 499 + REPLAY_BITS), -1);
	CHECK_INT(replay_check(&r, 500 + REPLAY_BITS - WIN), REPLAY_TOO_OLD);
	CHECK_INT(replay_check(&r, 500), REPLAY_TOO_OLD);
}

static void
jump_of_ring_size_word_aligned(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 63), -1);
	CHECK_INT(replay_update(&r, REPLAY_BITS), REPLAY_OK);
	CHECK_INT(fill(&r, REPLAY_BITS - WIN + 1, REPLAY_BITS - 1), -1);
	CHECK_INT(fill(&r, REPLAY_BITS + 1, REPLAY_BITS + 63), -1);
}

/* Old greatest exactly at the new edge: still remembered. */
static void
jump_of_window_size(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 200), -1);
	CHECK_INT(replay_update(&r, 200 + WIN - 1), REPLAY_OK);
	CHECK_INT(replay_update(&r, 200), REPLAY_DUPLICATE);
	CHECK_INT(replay_update(&r, 199), REPLAY_TOO_OLD);
	CHECK_INT(fill(&r, 201, 200 + WIN - 2), -1);
}

static void
jump_of_one_word(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 31), -1);
	CHECK_INT(replay_update(&r, 31 + 64), REPLAY_OK);
	CHECK_INT(all_refused(&r, 0, 31, REPLAY_DUPLICATE), -1);
	CHECK_INT(fill(&r, 32, 31 + 63), -1);
}

static void
huge_jump(void)
{
	struct replay	 r;
	uint64_t	 g = UINT64_C(1) << 40;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 5), -1);
	CHECK_INT(replay_update(&r, g), REPLAY_OK);
	CHECK_INT(replay_update(&r, 5), REPLAY_TOO_OLD);
	CHECK_INT(fill(&r, g - (WIN - 1), g - 1), -1);
	CHECK_INT(replay_update(&r, g - WIN), REPLAY_TOO_OLD);
}

static void
repeated_jumps(void)
{
	struct replay	 r;
	uint64_t	 g;

	replay_init(&r);
	for (g = REPLAY_BITS; g < 200 * REPLAY_BITS; g += REPLAY_BITS + 3) {
		CHECK_INT(replay_update(&r, g), REPLAY_OK);
		CHECK_INT(replay_check(&r, g), REPLAY_DUPLICATE);
		CHECK_INT(replay_check(&r, g - 1), REPLAY_OK);
	}
}

static void
limit_value(void)
{
	CHECK(REPLAY_REJECT_AFTER == UINT64_C(18446744073709543423));
	CHECK(REPLAY_REJECT_AFTER + (UINT64_C(1) << 13) + 1 == 0);
}

static void
window_size(void)
{
	CHECK_INT(REPLAY_WINDOW, 8128);
	CHECK(REPLAY_WINDOW >= 2048);
	CHECK_INT(sizeof(((struct replay *)0)->ring) * 8, REPLAY_BITS);
}

static void
limit_refused(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_check(&r, LIMIT), REPLAY_LIMIT);
	CHECK_INT(replay_update(&r, LIMIT), REPLAY_LIMIT);
	CHECK_INT(replay_update(&r, LIMIT + 1), REPLAY_LIMIT);
	CHECK_INT(replay_update(&r, UINT64_MAX), REPLAY_LIMIT);
	CHECK_INT(replay_update(&r, UINT64_MAX - 1), REPLAY_LIMIT);
}

static void
last_before_limit(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, LIMIT - 1), REPLAY_OK);
	CHECK_INT(replay_update(&r, LIMIT - 1), REPLAY_DUPLICATE);
	CHECK_INT(replay_update(&r, LIMIT), REPLAY_LIMIT);
}

static void
limit_changes_nothing(void)
{
	struct replay	 r, before;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 10), -1);
	memcpy(&before, &r, sizeof(r));
	CHECK_INT(replay_update(&r, LIMIT), REPLAY_LIMIT);
	CHECK_INT(replay_update(&r, UINT64_MAX), REPLAY_LIMIT);
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
	CHECK_INT(replay_update(&r, 11), REPLAY_OK);
}

static void
window_below_limit(void)
{
	struct replay	 r;
	uint64_t	 g = LIMIT - 1;

	replay_init(&r);
	CHECK_INT(fill(&r, g - 100, g), -1);
	CHECK_INT(fill(&r, g - (WIN - 1), g - 101), -1);
	CHECK_INT(replay_update(&r, g - WIN), REPLAY_TOO_OLD);
	CHECK_INT(all_refused(&r, g - (WIN - 1), g, REPLAY_DUPLICATE), -1);
}

static void
limit_before_window(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(replay_update(&r, LIMIT - 1), REPLAY_OK);
	/* Both too far ahead and nowhere near: the limit is the reason. */
	CHECK_INT(replay_check(&r, UINT64_MAX), REPLAY_LIMIT);
	CHECK_INT(replay_check(&r, 0), REPLAY_TOO_OLD);
}

static void
in_order_up_to_limit(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, LIMIT - 3 * REPLAY_BITS, LIMIT - 1), -1);
	CHECK_INT(all_refused(&r, LIMIT, LIMIT + 8000, REPLAY_LIMIT), -1);
}

static void
init_resets(void)
{
	struct replay	 r;

	replay_init(&r);
	CHECK_INT(fill(&r, 0, 20000), -1);
	replay_init(&r);
	CHECK_INT(fill(&r, 0, 20000), -1);
}

static void
windows_independent(void)
{
	struct replay	 a, b;

	replay_init(&a);
	replay_init(&b);
	CHECK_INT(fill(&a, 0, 1000), -1);
	CHECK_INT(replay_check(&b, 500), REPLAY_OK);
	CHECK_INT(fill(&b, 0, 1000), -1);
}

static void
random_in_order_with_drops(void)
{
	CHECK_INT(against_ref(1, 0, 200000, 3, 0), 0);
}

static void
random_reordered_near(void)
{
	CHECK_INT(against_ref(2, 0, 200000, 2, 100), 0);
}

static void
random_reordered_across_edge(void)
{
	/* Picks reach both sides of the edge often. */
	CHECK_INT(against_ref(3, 0, 200000, 4, WIN + 200), 0);
}

static void
random_dense_duplicates(void)
{
	CHECK_INT(against_ref(4, 0, 200000, 1, 3 * REPLAY_BITS), 0);
}

static void
random_jumps(void)
{
	/* Steps of up to two rings: some slides clear everything. */
	CHECK_INT(against_ref(5, 0, 20000, 2 * REPLAY_BITS, 2 * REPLAY_BITS),
	    0);
}

static void
random_near_limit(void)
{
	/* Walks past the limit: the tail of the run is all REPLAY_LIMIT. */
	CHECK_INT(against_ref(6, LIMIT - 300000, 200000, 4, WIN + 100), 0);
}

static void
random_many_seeds(void)
{
	unsigned	 s;

	for (s = 100; s < 140; s++)
		CHECK_INT(against_ref(s, (uint64_t)s << 32, 5000, 1 + s % 70,
		    s * 211), 0);
}

int
main(void)
{
	T_RUN(empty_accepts_zero);
	T_RUN(zero_twice);
	T_RUN(empty_accepts_anything_below_limit);
	T_RUN(in_order_from_zero);
	T_RUN(in_order_then_replayed);
	T_RUN(check_changes_nothing);
	T_RUN(first_counter_not_zero);
	T_RUN(late_zero_at_edge);
	T_RUN(late_zero_too_old);
	T_RUN(reverse_within_window);
	T_RUN(reverse_from_high);
	T_RUN(swapped_pairs);
	T_RUN(even_then_odd);
	T_RUN(edge_accepted);
	T_RUN(one_past_edge_too_old);
	T_RUN(edge_every_bit_offset);
	T_RUN(edge_moves_by_one);
	T_RUN(too_old_changes_nothing);
	T_RUN(duplicate_changes_nothing);
	T_RUN(duplicate_of_greatest);
	T_RUN(duplicate_after_slide);
	T_RUN(gap_filled_later);
	T_RUN(word_boundaries);
	T_RUN(big_jump_clears_ring);
	T_RUN(jump_of_ring_size);
	T_RUN(jump_of_ring_size_word_aligned);
	T_RUN(jump_of_window_size);
	T_RUN(jump_of_one_word);
	T_RUN(huge_jump);
	T_RUN(repeated_jumps);
	T_RUN(limit_value);
	T_RUN(window_size);
	T_RUN(limit_refused);
	T_RUN(last_before_limit);
	T_RUN(limit_changes_nothing);
	T_RUN(window_below_limit);
	T_RUN(limit_before_window);
	T_RUN(in_order_up_to_limit);
	T_RUN(init_resets);
	T_RUN(windows_independent);
	T_RUN(random_in_order_with_drops);
	T_RUN(random_reordered_near);
	T_RUN(random_reordered_across_edge);
	T_RUN(random_dense_duplicates);
	T_RUN(random_jumps);
	T_RUN(random_near_limit);
	T_RUN(random_many_seeds);
	return t_done();
}
