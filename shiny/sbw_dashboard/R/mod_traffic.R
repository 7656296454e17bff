# mod_traffic.R: the Traffic tab. Events or sessions per weekday x hour of the chosen zone.

mod_traffic_ui <- function(id) {
  ns <- shiny::NS(id)
  sbw_card(
    "When shoppers come (weekday \u00d7 hour)",
    shiny::radioButtons(ns("metric"), NULL, c("Events" = "events", "Sessions" = "sessions"),
                        inline = TRUE),
    shiny::plotOutput(ns("heatmap"), height = "360px"),
    download_id = ns("csv_heatmap")
  )
}

mod_traffic_server <- function(id, client, filters, refresh, status) {
  shiny::moduleServer(id, function(input, output, session) {
    query <- shiny::reactive(sbw_query(filters()))
    heatmap <- shiny::reactive({
      shiny::req(refresh() > 0)
      sbw_try(status, "traffic.heatmap", client$table("traffic/heatmap", query()))
    })
    metric <- shiny::reactive(if (is.null(input$metric)) "events" else input$metric)
    cells <- shiny::reactive(sbw_heatmap_frame(shiny::req(heatmap()), metric()))

    output$heatmap <- shiny::renderPlot({
      d <- cells()
      shiny::validate(shiny::need(sum(d$value) > 0, SBW_EMPTY_TEXT))
      ggplot2::ggplot(d, ggplot2::aes(hour, weekday, fill = value)) +
        ggplot2::geom_tile(colour = "white") +
        ggplot2::scale_fill_gradient(low = "#f1f5fb", high = "#1a4e9c", labels = fmt_int,
                                     name = metric()) +
        ggplot2::scale_x_continuous(breaks = 0:23, expand = c(0, 0)) +
        ggplot2::labs(x = sprintf("hour (%s)", filters()$tz), y = NULL) +
        ggplot2::theme_minimal(base_size = 13) +
        ggplot2::theme(panel.grid = ggplot2::element_blank())
    }, res = 96) |>
      shiny::bindCache("heatmap", cells(), metric(), filters()$tz)
    output$csv_heatmap <- sbw_csv_download(client, status, "heatmap", "traffic/heatmap", query)
  })
}
