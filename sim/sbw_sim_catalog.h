/* sbw_sim_catalog: the simulated computer store's catalogue: a few hundred products in the
 * original store's categories (laptop, keyboard, monitor, mouse, headphone, accessory) and
 * brands, with VND prices and discounts. Built deterministically from a fixed table and a
 * fixed seed, so product ids are the same for every simulator seed.
 *
 * Ownership: the catalogue owns its products and strings; free with sbw_sim_catalog_free. */
#ifndef SBW_SIM_CATALOG_H
#define SBW_SIM_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#define SBW_SIM_NCATEGORIES 6

typedef struct {
    char id[144];           /* "prod_aula_m75_tm" */
    char name[128];         /* "Ban phim AULA M75 TM" (ASCII, as the original store shows it) */
    char category[16];      /* "keyboard" */
    char brand[16];         /* "AULA" */
    char url_path[160];     /* "/product/ban-phim-aula-m75-tm" */
    int64_t price;          /* VND */
    int64_t discount_price; /* VND, < price; 0 = none (sent as null) */
    int cat_index;          /* index into sbw_sim_categories */
    double popularity;      /* relative weight of being viewed */
} sbw_sim_product_t;

typedef struct {
    const char *slug;  /* "keyboard" */
    const char *label; /* "Ban phim" (navigation text) */
} sbw_sim_category_t;

typedef struct {
    sbw_sim_product_t *products;
    size_t n;
    size_t by_cat_start[SBW_SIM_NCATEGORIES]; /* products are sorted by category */
    size_t by_cat_count[SBW_SIM_NCATEGORIES];
} sbw_sim_catalog_t;

/* The six categories, in a fixed order. */
extern const sbw_sim_category_t sbw_sim_categories[SBW_SIM_NCATEGORIES];

/* Builds the catalogue. Returns NULL when out of memory. */
sbw_sim_catalog_t *sbw_sim_catalog_new(void);

/* Frees it; accepts NULL. */
void sbw_sim_catalog_free(sbw_sim_catalog_t *c);

/* The price a buyer pays: discount_price when set, else price. */
int64_t sbw_sim_product_effective_price(const sbw_sim_product_t *p);

#endif
