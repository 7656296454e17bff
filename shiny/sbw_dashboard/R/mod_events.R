# mod_events.R: the Raw events tab. The newest events of the range, 20 a page, Prev/Next and
# "Page X of N" (N = ceil(total / 20), at least 1), from /events/recent.

mod_events_ui <- function(id) {
  ns <- shiny::NS(id)
  sbw_card(
    "Raw events (newest first)",
    shiny::checkboxInput(ns("product_only"), "Product events only", value = FALSE),
    sbw_pager_ui(ns),
    DT::dataTableOutput(ns("table")),
    download_id = ns("csv_events")
  )
}

mod_events_server <- function(id, client, filters, refresh, status, per_page = SBW_PAGE_SIZE) {
  shiny::moduleServer(id, function(input, output, session) {
    total <- shiny::reactiveVal(NA_real_)
    pager <- sbw_pager(input, total, per_page)
    product_only <- shiny::reactive(isTRUE(input$product_only))
    shiny::observeEvent(list(filters(), product_only()), pager$reset(), ignoreInit = TRUE)

    base_query <- shiny::reactive(sbw_query(filters(), product_only = if (product_only()) TRUE))
    events <- shiny::reactive({
      shiny::req(refresh() > 0)
      q <- sbw_query(base_query(), limit = per_page,
                     offset = sbw_page_offset(pager$page(), per_page))
      sbw_try(status, "events.recent", client$paged("events/recent", q))
    })
    shiny::observe({
      e <- events()
      if (!is.null(e)) total(e$total)
    })

    output$page <- shiny::renderText(sbw_page_label(pager$page(), total(), per_page))
    output$table <- sbw_render_dt({
      e <- shiny::req(events())
      shiny::validate(shiny::need(e$total > 0 && nrow(e$rows) > 0, SBW_EMPTY_TEXT))
      sbw_datatable(sbw_display_events(e$rows, filters()$tz),
                    money = c("Price (VND)", "Discount price (VND)"))
    })
    # The CSV is the newest 1000 events of the range (the API's largest page).
    csv_query <- shiny::reactive(sbw_query(base_query(), limit = 1000L))
    output$csv_events <- sbw_csv_download(client, status, "events", "events/recent", csv_query)
  })
}
