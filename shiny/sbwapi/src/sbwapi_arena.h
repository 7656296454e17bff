/* sbwapi_arena.h: cJSON trees allocated in one arena, released in one go.
 *
 * Ownership rule: a tree returned by sbwapi_arena_parse belongs to its arena. Never pass it to
 * cJSON_Delete; sbwapi_arena_free releases it (and everything else in the arena) at once.
 * cJSON calls outside sbwapi_arena_parse (cJSON_Parse, cJSON_Print, cJSON_Delete on those
 * trees) keep using malloc/free as usual. Not thread-safe (R calls it from one thread). */
#ifndef SBWAPI_ARENA_H
#define SBWAPI_ARENA_H

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct sbwapi_arena sbwapi_arena_t;

/* Installs the cJSON allocation hooks; call once at package load. */
void sbwapi_arena_install(void);

/* Restores cJSON's default allocator; call at package unload. */
void sbwapi_arena_uninstall(void);

/* A new, empty arena, or NULL when out of memory. */
sbwapi_arena_t *sbwapi_arena_new(void);

/* Releases the arena and every tree parsed into it. Accepts NULL. */
void sbwapi_arena_free(sbwapi_arena_t *a);

/* cJSON_ParseWithLengthOpts(text, len, end, 0) with every node allocated in a. Returns the
 * root (owned by a) or NULL on malformed JSON or out of memory; *end as cJSON sets it. */
cJSON *sbwapi_arena_parse(sbwapi_arena_t *a, const char *text, size_t len, const char **end);

#endif
