/*
 * The receiver index table: a hash table keyed by ids we choose at random,
 * so an attacker cannot crowd one bucket, and the low bits are the hash.
 */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "index.h"

static struct index_entry **
bucket(struct index_table *t, uint32_t id)
{
	return &t->bucket[id & (INDEX_BUCKETS - 1)];
}

int
index_init(struct index_table *t)
{
	memset(t->bucket, 0, sizeof(t->bucket));
	errno = pthread_rwlock_init(&t->lock, NULL);
	return errno == 0 ? 0 : -1;
}

void
index_free(struct index_table *t)
{
	pthread_rwlock_destroy(&t->lock);
}

static struct index_entry *
find(struct index_table *t, uint32_t id)
{
	struct index_entry	*e;

	for (e = *bucket(t, id); e != NULL; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

static void
link_entry(struct index_table *t, struct index_entry *e, enum index_kind kind)
{
	struct index_entry	**b = bucket(t, e->id);

	e->kind = kind;
	e->next = *b;
	*b = e;
	e->linked = 1;
}

uint32_t
index_add(struct index_table *t, struct index_entry *e, enum index_kind kind)
{
	uint32_t	id;

	pthread_rwlock_wrlock(&t->lock);
	do
		crypto_random(&id, sizeof(id));
	while (find(t, id) != NULL);
	e->id = id;
	link_entry(t, e, kind);
	pthread_rwlock_unlock(&t->lock);
	return id;
}

static void
unlink_entry(struct index_table *t, struct index_entry *e)
{
	struct index_entry	**p;

	if (!e->linked)
		return;
	for (p = bucket(t, e->id); *p != e; p = &(*p)->next)
		;
	*p = e->next;
	e->linked = 0;
}

void
index_replace(struct index_table *t, struct index_entry *from,
    struct index_entry *to, enum index_kind kind)
{
	pthread_rwlock_wrlock(&t->lock);
	unlink_entry(t, from);
	to->id = from->id;
	link_entry(t, to, kind);
	pthread_rwlock_unlock(&t->lock);
}

void
index_del(struct index_table *t, struct index_entry *e)
{
	pthread_rwlock_wrlock(&t->lock);
	unlink_entry(t, e);
	pthread_rwlock_unlock(&t->lock);
}

void
index_rdlock(struct index_table *t)
{
	pthread_rwlock_rdlock(&t->lock);
}

void
index_unlock(struct index_table *t)
{
	pthread_rwlock_unlock(&t->lock);
}

struct index_entry *
index_find(struct index_table *t, uint32_t id, enum index_kind kind)
{
	struct index_entry	*e = find(t, id);

	return e != NULL && e->kind == kind ? e : NULL;
}
