# app.R: the sbw dashboard. Theme, navbar, filters and wiring; the tabs are modules in R/
# (auto-sourced by Shiny), all HTTP is in R/client.R. Settings: SBW_API_URL (default
# http://127.0.0.1:8081), SBW_DASHBOARD_POLL_S (default 30). Run: Rscript run.R --port 3838
library(shiny)

sbw_poll_ms <- function() {
  s <- suppressWarnings(as.numeric(Sys.getenv("SBW_DASHBOARD_POLL_S", "30")))
  if (is.na(s) || s <= 0) s <- 30
  s * 1000
}

sbw_filters_ui <- function() {
  today <- sbw_today("UTC")
  div(
    id = "sbw-filters", class = "sbw-filters d-flex flex-wrap gap-3 align-items-end px-3 pt-3",
    dateRangeInput("range", "Dates (inclusive)", start = today - 6, end = today,
                   max = today + 1, weekstart = 1, width = "260px"),
    selectInput("login_state", "Login state",
                c("All" = "all", "Logged in" = "logged_in", "Anonymous" = "anonymous",
                  "Guest" = "guest"), width = "160px"),
    selectInput("tz", "Time zone", SBW_TIME_ZONES, selected = "UTC", width = "200px"),
    div(class = "ms-auto mb-3", mod_status_freshness_ui("status"))
  )
}

# The page as tags; the default date range is the last 7 days of the day it is built.
sbw_page <- function() bslib::page_navbar(
  title = "sbw clickstream", id = "tabs", window_title = "sbw dashboard",
  theme = bslib::bs_theme(version = 5, primary = "#2c7be5"), bg = "#1f2d3d", inverse = TRUE,
  header = tagList(
    tags$head(tags$link(rel = "stylesheet", href = "styles.css")),
    sbw_filters_ui(),
    div(class = "px-3", mod_status_banner_ui("status"))
  ),
  tabPanel("Overview", value = "overview", mod_overview_ui("overview")),
  tabPanel("Funnel", value = "funnel", mod_funnel_ui("funnel")),
  tabPanel("Products", value = "products", mod_products_ui("products")),
  tabPanel("Sessions", value = "sessions", mod_sessions_ui("sessions")),
  tabPanel("Traffic", value = "traffic", mod_traffic_ui("traffic")),
  tabPanel("Raw events", value = "events", mod_events_ui("events"))
)

# The page is the same for everyone on a given day, and rendering it (tags, the theme's Sass
# cache lookups) costs R a few hundred milliseconds: it is rendered once per UTC day and then
# served as is. shiny's renderPage is internal; should it change, the tags are served
# uncached (Shiny renders them per request).
sbw_page_cache <- new.env(parent = emptyenv())
ui <- function(req) {
  day <- format(sbw_today("UTC"))
  if (!identical(sbw_page_cache$day, day)) {
    page <- sbw_page()
    html <- tryCatch(shiny:::renderPage(page, showcase = 0, testMode = FALSE),
                     error = function(e) NULL)
    if (is.null(html)) return(page)
    sbw_page_cache$html <- html
    sbw_page_cache$day <- day
  }
  shiny::httpResponse(200, content_type = "text/html; charset=UTF-8",
                      content = sbw_page_cache$html)
}

server <- function(input, output, session) {
  client <- getOption("sbw.client", sbw_client(sbw_api_url()))
  status <- sbw_status()
  filters_raw <- reactive({
    req(input$range)
    tryCatch({
      f <- sbw_filter_query(input$range[1], input$range[2], input$tz, input$login_state)
      status$clear("filters")
      f
    }, sbw_filter_error = function(e) {
      status$report("filters", conditionMessage(e))
      NULL
    })
  })
  filters <- debounce(reactive(req(filters_raw())), 300)
  st <- mod_status_server("status", client, status, poll_ms = sbw_poll_ms(),
                          tz = reactive(if (is.null(input$tz)) "UTC" else input$tz))
  mod_overview_server("overview", client, filters, st$refresh, status)
  # The other tabs start when first opened: a session that only looks at the Overview does not
  # pay for building (and fetching) five hidden tabs before its KPI cards appear.
  tabs <- list(funnel = mod_funnel_server, products = mod_products_server,
               sessions = mod_sessions_server, traffic = mod_traffic_server,
               events = mod_events_server)
  started <- new.env(parent = emptyenv())
  observeEvent(input$tabs, {
    tab <- input$tabs
    if (!is.null(tabs[[tab]]) && is.null(started[[tab]])) {
      started[[tab]] <- TRUE
      tabs[[tab]](tab, client, filters, st$refresh, status)
    }
  })
}

shinyApp(ui, server)
