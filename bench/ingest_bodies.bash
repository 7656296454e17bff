# bench/ingest_bodies.bash (sourced by ingest.sh and handler.sh; not a benchmark): the request both ingest
# benchmarks send, so they measure the same thing.
#   write_ingest_bodies DIR   writes DIR/one.json (one original-storefront event) and
#                             DIR/batch.json (an array of 50 of them)
#   INGEST_BENCH_UA           a real desktop browser's User-Agent (sbw-ingest stores it in every
#                             line and checks it for bot markers)
# shellcheck shell=bash
# shellcheck disable=SC2034 # used by the scripts that source this file
INGEST_BENCH_UA='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

write_ingest_bodies() { # dir
  local one='{"eventName":"product_view","pageUrl":"https://shop.example/product/ban-phim-aula-m75-tm","referrer":null,"userId":null,"userLoginState":"anonymous","clientId":"7d3f2a10-1111-4222-8333-444455556666","sessionId":"0c1a2b3c-1111-4222-8333-444455556666","isFirstVisit":false,"product":{"id":"prod_aula_m75_tm","name":"Ban phim AULA M75 TM","category":"keyboard","brand":"AULA","price":1990000,"discountPrice":1790000,"urlPath":"/product/ban-phim-aula-m75-tm"}}'
  local i
  printf '%s' "$one" > "$1/one.json"
  { printf '['; for i in $(seq 1 50); do [ "$i" -gt 1 ] && printf ','; printf '%s' "$one"; done; printf ']'; } > "$1/batch.json"
}
