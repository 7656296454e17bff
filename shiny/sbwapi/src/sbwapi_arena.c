/* sbwapi_arena.c: cJSON trees allocated in one arena (see sbwapi_arena.h). Parsing a large
 * table makes millions of small allocations; a bump allocator makes them, and the release of
 * the tree, nearly free. */
#include "sbwapi_arena.h"

#include <stdint.h>
#include <stdlib.h>

#define ARENA_FIRST_BLOCK ((size_t)64 * 1024)
#define ARENA_MAX_BLOCK ((size_t)16 * 1024 * 1024)
#define ARENA_ALIGN ((size_t)16)

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes */
} block_t;

struct sbwapi_arena {
    block_t *head; /* the block being filled; older blocks follow */
    size_t next_cap;
};

/* The arena receiving cJSON's allocations while sbwapi_arena_parse runs, else NULL. */
static sbwapi_arena_t *active;

static void *arena_alloc(sbwapi_arena_t *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    block_t *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = a->next_cap;
        if (cap < n)
            cap = n;
        b = malloc(sizeof(block_t) + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
        if (a->next_cap < ARENA_MAX_BLOCK)
            a->next_cap *= 2;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static void *hook_malloc(size_t n)
{
    return active ? arena_alloc(active, n) : malloc(n);
}

/* During an arena parse cJSON only frees what that parse allocated (on failure): the arena
 * releases it later. */
static void hook_free(void *p)
{
    if (!active)
        free(p);
}

void sbwapi_arena_install(void)
{
    cJSON_Hooks hooks = {hook_malloc, hook_free};
    cJSON_InitHooks(&hooks);
}

void sbwapi_arena_uninstall(void)
{
    cJSON_InitHooks(NULL);
}

sbwapi_arena_t *sbwapi_arena_new(void)
{
    sbwapi_arena_t *a = calloc(1, sizeof *a);
    if (a)
        a->next_cap = ARENA_FIRST_BLOCK;
    return a;
}

void sbwapi_arena_free(sbwapi_arena_t *a)
{
    if (!a)
        return;
    for (block_t *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

cJSON *sbwapi_arena_parse(sbwapi_arena_t *a, const char *text, size_t len, const char **end)
{
    /* Size the first block from the input: cJSON needs roughly 3-6x the text. */
    if (!a->head && len > ARENA_FIRST_BLOCK)
        a->next_cap = len < ARENA_MAX_BLOCK ? len : ARENA_MAX_BLOCK;
    active = a;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, end, 0);
    active = NULL;
    return root;
}
