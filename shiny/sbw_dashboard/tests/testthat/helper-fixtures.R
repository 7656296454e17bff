# API answers for the event set of docs/api.md (16 events on 2026-01-10/11), as JSON.
fx <- function(json) sbwapi::sbwapi_table(json)

FX_KPIS <- fx('{"columns":["metric","value","previous","change","change_pct"],
 "types":["string","number","number","number","number"],
 "rows":[["events",16,8,8,100.00],["unique_clients",4,4,0,0.00],["sessions",6,0,6,null],
         ["logged_in_users",1,0,1,null],["page_views",6,3,3,100.00],["product_views",4,2,2,100.00],
         ["add_to_carts",2,1,1,100.00],["checkout_starts",1,0,1,null],["purchases",1,0,1,null],
         ["revenue",1790000,2000000,-210000,-10.50],["converted_sessions",1,0,1,null],
         ["bounces",2,1,1,100.00],["session_duration_s",360,0,360,null],
         ["conversion_rate",16.67,null,null,null],["checkout_rate",50.00,0.00,50.00,null],
         ["bounce_rate",33.33,50.00,-16.67,-33.34],["avg_session_duration_s",60.0,75.5,-15.5,-20.53]],
 "from":"2026-01-10","to":"2026-01-11","tz":"UTC","login_state":"all","generation":1}')

FX_KPIS_EMPTY <- fx('{"columns":["metric","value","previous","change","change_pct"],
 "types":["string","number","number","number","number"],
 "rows":[["events",0,0,0,null],["unique_clients",0,0,0,null],["sessions",0,0,0,null],
         ["revenue",0,0,0,null],["conversion_rate",null,null,null,null],
         ["checkout_rate",null,null,null,null],["bounce_rate",null,null,null,null],
         ["avg_session_duration_s",null,null,null,null]]}')

FX_TS_DAY <- fx('{"columns":["day","events"],"types":["date","integer"],
 "rows":[["2026-01-10",14],["2026-01-11",2]]}')

FX_TS_HOUR <- fx('{"columns":["hour_at","events"],"types":["timestamp","integer"],
 "rows":[["2026-01-10T10:00:00Z",5],["2026-01-10T11:00:00Z",9]]}')

FX_EVENT_NAMES <- fx('{"columns":["event_name","events","share"],"types":["string","integer","number"],
 "rows":[["page_view",6,37.50],["product_view",4,25.00],["add_to_cart_click",2,12.50],
         ["checkout_start",1,6.25],["checkout_complete",1,6.25],["click",2,12.50]],"total":6}')

FX_LOGIN <- fx('{"columns":["login_state","events","share"],"types":["string","integer","number"],
 "rows":[["anonymous",10,62.50],["guest",4,25.00],["logged_in",2,12.50]],"total":3}')

FX_FUNNEL <- fx('{"columns":["step","event_name","sessions","conversion_from_first","conversion_from_previous","drop_off"],
 "types":["integer","string","integer","number","number","integer"],
 "rows":[[1,"product_view",3,100.00,100.00,0],[2,"add_to_cart_click",1,33.33,33.33,2],
         [3,"checkout_start",1,33.33,100.00,0],[4,"checkout_complete",1,33.33,100.00,0]]}')

FX_FUNNEL_CUSTOM <- fx('{"columns":["step","event_name","sessions","conversion_from_first","conversion_from_previous","drop_off"],
 "types":["integer","string","integer","number","number","integer"],
 "rows":[[1,"page_view",5,100.00,100.00,0],[2,"checkout_complete",1,20.00,20.00,4]]}')

FX_PRODUCTS <- fx('{"columns":["product_id","name","category","brand","price","discount_price","events","views","add_to_carts","removals","purchases","revenue","view_to_cart_rate","cart_to_purchase_rate"],
 "types":["string","string","string","string","number","number","integer","integer","integer","integer","integer","number","number","number"],
 "rows":[["P1","Keyboard One","keyboard","AULA",100.00,80.00,3,2,1,0,1,80.00,50.00,100.00],
         ["P2","Mouse Two","mouse","Logitech",50.00,null,2,1,1,0,0,0,100.00,0.00],
         ["P3","Cable","UNKNOWN","UNKNOWN",5.00,null,1,1,0,0,0,0,0.00,null]],"total":3}')

FX_CATEGORIES <- fx('{"columns":["category","events","views","add_to_carts","purchases","revenue"],
 "types":["string","integer","integer","integer","integer","number"],
 "rows":[["keyboard",3,2,1,1,80.00],["mouse",2,1,1,0,0],["UNKNOWN",1,1,0,0,0]],"total":3}')

FX_BRANDS <- fx('{"columns":["brand","events","views","add_to_carts","purchases","revenue"],
 "types":["string","integer","integer","integer","integer","number"],
 "rows":[["AULA",3,2,1,1,80.00],["Logitech",2,1,1,0,0],["UNKNOWN",1,1,0,0,0]],"total":3}')

FX_SUMMARY <- fx('{"columns":["sessions","bounces","bounce_rate","converted_sessions","conversion_rate","avg_duration_s","median_duration_s","p90_duration_s","avg_events","avg_page_views","revenue","clients","first_visits"],
 "types":["integer","integer","number","integer","number","number","number","number","number","number","number","integer","integer"],
 "rows":[[6,2,33.33,1,16.67,60.0,30.0,240.0,2.67,1.0,80.00,4,3]]}')

FX_SUMMARY_EMPTY <- fx('{"columns":["sessions","bounces","bounce_rate","converted_sessions","conversion_rate","avg_duration_s","median_duration_s","p90_duration_s","avg_events","avg_page_views","revenue","clients","first_visits"],
 "types":["integer","integer","number","integer","number","number","number","number","number","number","number","integer","integer"],
 "rows":[[0,0,null,0,null,null,null,null,null,null,0,0,0]]}')

FX_DURATIONS <- fx('{"columns":["bucket","min_s","max_s","sessions","share"],
 "types":["string","integer","integer","integer","number"],
 "rows":[["0-10s",0,10,3,50.00],["10-30s",10,30,0,0.00],["30-60s",30,60,1,16.67],["1-3m",60,180,1,16.67],
         ["3-10m",180,600,1,16.67],["10-30m",600,1800,0,0.00],["30m+",1800,null,0,0.00]]}')

# n sessions rows starting at offset (session ids s<k>).
fx_sessions <- function(n, offset = 0L) {
  if (n == 0) return(fx_sessions(1L)[0, ])
  k <- seq_len(n) + offset
  data.frame(session_key = paste0("s:s", k), session_id = paste0("s", k),
             client_id = "c1", user_id = NA_character_, login_state = "anonymous",
             started_at = as.POSIXct("2026-01-10 10:00:00", tz = "UTC") - k * 60,
             ended_at = as.POSIXct("2026-01-10 10:04:00", tz = "UTC") - k * 60,
             duration_s = 240, events = 6L, page_views = 1L, product_views = 2L,
             add_to_carts = 1L, checkout_starts = 1L, purchases = 1L, revenue = 80,
             is_bounce = FALSE, is_first_visit = FALSE, entry_page = "https://shop/",
             exit_page = "https://shop/", stringsAsFactors = FALSE)
}

FX_EVENTS_ONE <- fx('{"columns":["event_timestamp","event_name","login_state","user_id","client_id","session_id","product_id","product_name","category","brand","price","discount_price","page_url","event_id"],
 "types":["timestamp","string","string","string","string","string","string","string","string","string","number","number","string","string"],
 "rows":[["2026-01-11T00:10:00Z","product_view","guest",null,"c4","sD","P1","Keyboard One","keyboard","AULA",100.00,80.00,"https://shop/p1","e1"],
         ["2026-01-11T00:09:00Z","product_view","guest",null,"c4","sD","P9","Cable",null,"",5.00,null,"https://shop/p9","e2"],
         ["2026-01-11T00:08:00Z","page_view","guest",null,"c4","sD",null,null,null,null,null,null,"https://shop/","e3"]]}')

FX_HEATMAP <- local({
  g <- expand.grid(hour = 0:23, weekday = 1:7)
  g$events <- 0L
  g$sessions <- 0L
  g$events[g$weekday == 6 & g$hour == 10] <- 14L # Saturday 2026-01-10
  g$sessions[g$weekday == 6 & g$hour == 10] <- 5L
  g$events[g$weekday == 7 & g$hour == 0] <- 2L
  g$sessions[g$weekday == 7 & g$hour == 0] <- 1L
  g[, c("weekday", "hour", "events", "sessions")]
})

FX_HEALTH <- function(generation = 1L) {
  list(status = "ok", generation = generation, refresh_running = FALSE,
       last_refresh_at = as.POSIXct("2026-11-27 03:24:31", tz = "UTC"),
       newest_event_at = as.POSIXct("2026-01-11 09:00:00", tz = "UTC"), total_events = 16L)
}
