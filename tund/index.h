/*
 * Receiver indices: the random 32-bit numbers that name our end of a
 * session in the messages peers send us.  Each names either a handshake in
 * progress or a keypair.  Entries live inside the objects they name.
 *
 * Threads: index_find() runs under index_rdlock() on any thread, and the
 * caller takes whatever reference it needs before index_unlock();
 * index_add() and index_del() lock for themselves.
 */
#ifndef TUND_INDEX_H
#define TUND_INDEX_H

#include <pthread.h>
#include <stdint.h>

#define INDEX_BUCKETS	4096	/* a power of two */

enum index_kind {
	INDEX_HANDSHAKE,
	INDEX_KEYPAIR
};

struct index_entry {
	struct index_entry	*next;
	uint32_t		 id;
	enum index_kind		 kind;
	int			 linked;
};

struct index_table {
	pthread_rwlock_t	 lock;
	struct index_entry	*bucket[INDEX_BUCKETS];
};

int	 index_init(struct index_table *);
void	 index_free(struct index_table *);
/* Give the entry a fresh random id and link it; returns the id. */
uint32_t index_add(struct index_table *, struct index_entry *,
	    enum index_kind);
/*
 * Put entry "to" in the place of "from", under the same id: a handshake's
 * index becomes its keypair's, as the peer will use it in data messages.
 */
void	 index_replace(struct index_table *, struct index_entry *from,
	    struct index_entry *to, enum index_kind);
/* Unlink the entry if it is linked. */
void	 index_del(struct index_table *, struct index_entry *);
void	 index_rdlock(struct index_table *);
void	 index_unlock(struct index_table *);
/* The entry of that id and kind, or NULL; under index_rdlock(). */
struct index_entry *index_find(struct index_table *, uint32_t id,
	    enum index_kind);

#endif
