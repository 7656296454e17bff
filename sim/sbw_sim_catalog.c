/* sbw_sim_catalog: product table expanded into variants with prices from a fixed seed. */
#include "sbw_sim_catalog.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_sim_rng.h"

const sbw_sim_category_t sbw_sim_categories[SBW_SIM_NCATEGORIES] = {
    {"laptop", "Laptop"}, {"keyboard", "Ban phim"},  {"monitor", "Man hinh"},
    {"mouse", "Chuot"},   {"headphone", "Tai nghe"}, {"accessory", "Phu kien"},
};

/* One product line: category, brand, noun (name prefix; NULL = the category label), models
 * separated by '|'. Every model gets every variant of its category. */
typedef struct {
    int cat;
    const char *brand;
    const char *noun;
    const char *models;
} line_t;

static const line_t LINES[] = {
    {0, "Acer", NULL, "Aspire 5|Nitro 5|Swift 3|Predator Helios 16"},
    {0, "ASUS", NULL, "Vivobook 15|Zenbook 14|TUF Gaming F15|ROG Strix G16"},
    {0, "Dell", NULL, "Inspiron 15|Vostro 3520|XPS 13|Latitude 5440"},
    {0, "Gigabyte", NULL, "G5|Aorus 15"},
    {0, "LG", NULL, "Gram 14|Gram 16"},
    {0, "MSI", NULL, "Modern 14|Katana 15|Thin GF63|Prestige 14"},
    {0, "Samsung", NULL, "Galaxy Book3"},
    {0, "Xiaomi", NULL, "RedmiBook 15"},
    {1, "Akko", NULL, "3068B Plus|5075B Plus|MOD007"},
    {1, "AULA", NULL, "F75|M75 TM|F99|F87 Pro"},
    {1, "Corsair", NULL, "K70 RGB|K65 Mini"},
    {1, "DareU", NULL, "EK87|A87 Pro|EK75"},
    {1, "E-Dra", NULL, "EK387|EK368L"},
    {1, "Keychron", NULL, "K2 Pro|Q1 Max|V1|K8 Pro"},
    {1, "Logitech", NULL, "G Pro X TKL|MX Keys S|K380"},
    {1, "Razer", NULL, "BlackWidow V4|Huntsman Mini"},
    {1, "SteelSeries", NULL, "Apex 7|Apex Pro TKL"},
    {1, "ASUS", NULL, "ROG Azoth"},
    {1, "MSI", NULL, "Vigor GK50"},
    {2, "AOC", NULL, "24G2SP|27G2SP|Q27G3XMN"},
    {2, "ASUS", NULL, "TUF VG249Q1A|ProArt PA278QV"},
    {2, "Dell", NULL, "P2422H|S2721DGF|U2723QE"},
    {2, "Gigabyte", NULL, "M27Q|G24F 2"},
    {2, "LG", NULL, "27GP850|24MP60G|32UN880"},
    {2, "MSI", NULL, "G2712|MAG 274QRF"},
    {2, "Samsung", NULL, "Odyssey G5|ViewFinity S8"},
    {2, "ViewSonic", NULL, "VX2479|XG2431"},
    {2, "Xiaomi", NULL, "Mi 27 2K|G27i"},
    {3, "Logitech", NULL, "G102|G304|G502 X|MX Master 3S|G Pro X Superlight"},
    {3, "Razer", NULL, "DeathAdder V3|Viper Mini|Basilisk V3"},
    {3, "SteelSeries", NULL, "Rival 3|Aerox 3"},
    {3, "Corsair", NULL, "Harpoon RGB|M65 RGB"},
    {3, "DareU", NULL, "EM908|A918"},
    {3, "E-Dra", NULL, "EM614|EM6502"},
    {3, "AULA", NULL, "SC580"},
    {3, "Akko", NULL, "AG325"},
    {3, "ASUS", NULL, "ROG Gladius III|TUF M3"},
    {3, "MSI", NULL, "Clutch GM41"},
    {3, "Xiaomi", NULL, "Mi Wireless"},
    {4, "Logitech", NULL, "G335|G Pro X|G435"},
    {4, "Razer", NULL, "BlackShark V2|Kraken V3"},
    {4, "SteelSeries", NULL, "Arctis Nova 1|Arctis 7P"},
    {4, "Corsair", NULL, "HS80|Void RGB Elite"},
    {4, "DareU", NULL, "EH416"},
    {4, "E-Dra", NULL, "EH412"},
    {4, "ASUS", NULL, "ROG Delta S|TUF H3"},
    {4, "MSI", NULL, "Immerse GH50"},
    {4, "Xiaomi", NULL, "Redmi Buds 4"},
    {4, "Samsung", NULL, "Galaxy Buds2"},
    {5, "SteelSeries", "Lot chuot", "QcK Heavy|QcK Edge"},
    {5, "Razer", "Lot chuot", "Goliathus Extended|Gigantus V2"},
    {5, "Logitech", "Lot chuot", "G640"},
    {5, "Akko", "Bo keycap", "Ocean Star|Neon"},
    {5, "AULA", "Bo keycap", "PBT Cream"},
    {5, "Xiaomi", "Hub", "USB-C 5 in 1"},
    {5, "Dell", "Balo", "Essential 15"},
    {5, "ASUS", "Balo", "ROG Ranger BP1501"},
    {5, "E-Dra", "Gia do man hinh", "EMA7101"},
    {5, "Corsair", "Gia treo tai nghe", "ST100 RGB"},
};

/* Variants per category: name suffixes separated by '|'; an empty item is the plain model
 * (so "|Trang" gives "... M75 TM" and "... M75 TM Trang"); "" means no variants. */
static const char *const VARIANTS[SBW_SIM_NCATEGORIES] = {
    "i5 16GB|i7 16GB|R7 32GB", "|Trang", "", "|Trang", "|Trang", "",
};

/* Price ranges in VND per category. */
static const int64_t PRICE_MIN[SBW_SIM_NCATEGORIES] = {12000000, 400000, 2500000,
                                                       200000,   300000, 100000};
static const int64_t PRICE_MAX[SBW_SIM_NCATEGORIES] = {60000000, 6000000, 25000000,
                                                       3000000,  7000000, 2500000};

/* "Ban phim AULA M75 TM" -> "ban-phim-aula-m75-tm" (sep '-') or "ban_phim_..." (sep '_'). */
static void slugify(const char *in, char sep, char *out, size_t outlen)
{
    size_t o = 0;
    int pending = 0;
    for (const char *p = in; *p && o + 2 < outlen; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            if (pending && o > 0)
                out[o++] = sep;
            pending = 0;
            out[o++] = (char)tolower(c);
        } else {
            pending = 1;
        }
    }
    out[o] = '\0';
}

/* Next '|'-separated item of *s into out; returns 0 at the end. */
static int next_item(const char **s, char *out, size_t outlen)
{
    if (!*s)
        return 0;
    const char *bar = strchr(*s, '|');
    size_t n = bar ? (size_t)(bar - *s) : strlen(*s);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, *s, n);
    out[n] = '\0';
    *s = bar ? bar + 1 : NULL;
    return 1;
}

/* A price like 1990000: rounded to 10 000 and ending in 90 000 when large enough. */
static int64_t shop_price(int64_t v)
{
    int64_t p = (v / 100000) * 100000 - 10000;
    return p > 50000 ? p : (v / 10000 + 1) * 10000;
}

static int add_product(sbw_sim_catalog_t *c, size_t *cap, const line_t *l, const char *model,
                       const char *variant, sbw_sim_rng_t *rng)
{
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        sbw_sim_product_t *np = realloc(c->products, ncap * sizeof *np);
        if (!np)
            return -1;
        c->products = np;
        *cap = ncap;
    }
    sbw_sim_product_t *p = &c->products[c->n++];
    memset(p, 0, sizeof *p);
    const char *noun = l->noun ? l->noun : sbw_sim_categories[l->cat].label;
    snprintf(p->name, sizeof p->name, "%s %s %s%s%s", noun, l->brand, model, *variant ? " " : "",
             variant);
    char idsrc[128], slug[128];
    snprintf(idsrc, sizeof idsrc, "%s %s%s%s", l->brand, model, *variant ? " " : "", variant);
    slugify(idsrc, '_', slug, sizeof slug);
    snprintf(p->id, sizeof p->id, "prod_%s", slug);
    slugify(p->name, '-', slug, sizeof slug);
    snprintf(p->url_path, sizeof p->url_path, "/product/%s", slug);
    snprintf(p->category, sizeof p->category, "%s", sbw_sim_categories[l->cat].slug);
    snprintf(p->brand, sizeof p->brand, "%s", l->brand);
    p->cat_index = l->cat;
    /* Log-uniform price within the category's range. */
    double lo = (double)PRICE_MIN[l->cat], hi = (double)PRICE_MAX[l->cat];
    double u = sbw_sim_rng_unit(rng);
    double v = lo * pow(hi / lo, u);
    p->price = shop_price((int64_t)v);
    if (sbw_sim_rng_chance(rng, 0.4)) {
        double off = 0.05 + 0.2 * sbw_sim_rng_unit(rng);
        int64_t d = shop_price((int64_t)((double)p->price * (1.0 - off)));
        p->discount_price = d < p->price ? d : 0;
    }
    p->popularity = 0.2 + sbw_sim_rng_exp(rng, 1.0);
    return 0;
}

sbw_sim_catalog_t *sbw_sim_catalog_new(void)
{
    sbw_sim_catalog_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t cap = 0;
    sbw_sim_rng_t rng;
    sbw_sim_rng_seed(&rng, 0x5b3c47a1c0ffeeULL, 0);
    for (int cat = 0; cat < SBW_SIM_NCATEGORIES; cat++) {
        c->by_cat_start[cat] = c->n;
        for (size_t i = 0; i < sizeof LINES / sizeof *LINES; i++) {
            const line_t *l = &LINES[i];
            if (l->cat != cat)
                continue;
            const char *ms = l->models;
            char model[64];
            while (next_item(&ms, model, sizeof model)) {
                const char *vs = VARIANTS[cat];
                char variant[32];
                if (!*vs) {
                    if (add_product(c, &cap, l, model, "", &rng) != 0)
                        goto oom;
                    continue;
                }
                while (next_item(&vs, variant, sizeof variant))
                    if (add_product(c, &cap, l, model, variant, &rng) != 0)
                        goto oom;
            }
        }
        c->by_cat_count[cat] = c->n - c->by_cat_start[cat];
    }
    return c;
oom:
    sbw_sim_catalog_free(c);
    return NULL;
}

void sbw_sim_catalog_free(sbw_sim_catalog_t *c)
{
    if (!c)
        return;
    free(c->products);
    free(c);
}

int64_t sbw_sim_product_effective_price(const sbw_sim_product_t *p)
{
    return p->discount_price > 0 ? p->discount_price : p->price;
}
