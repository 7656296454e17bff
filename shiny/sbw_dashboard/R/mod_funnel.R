# mod_funnel.R: the Funnel tab. The default funnel (product_view -> add_to_cart_click ->
# checkout_start -> checkout_complete) or 2-8 picked event names in order (/funnel?steps=).

mod_funnel_ui <- function(id) {
  ns <- shiny::NS(id)
  shiny::tagList(
    sbw_card(
      "Steps",
      shiny::div(
        class = "d-flex flex-wrap gap-2 align-items-end",
        shiny::div(class = "flex-grow-1",
                   shiny::selectizeInput(ns("steps"), "Custom funnel: pick 2 to 8 events in order",
                                         choices = SBW_DEFAULT_FUNNEL, multiple = TRUE,
                                         width = "100%",
                                         options = list(maxItems = 8, plugins = list("remove_button"),
                                                        placeholder = "default funnel"))),
        shiny::actionButton(ns("reset"), "Default funnel", class = "btn-outline-secondary mb-3")
      ),
      shiny::uiOutput(ns("note"))
    ),
    sbw_card("Funnel", shiny::plotOutput(ns("chart"), height = "300px"),
             DT::dataTableOutput(ns("table")), download_id = ns("csv_funnel"))
  )
}

mod_funnel_server <- function(id, client, filters, refresh, status) {
  shiny::moduleServer(id, function(input, output, session) {
    ns <- session$ns
    event_names <- shiny::reactive({
      shiny::req(refresh() > 0)
      sbw_try(status, "funnel.event_names",
              client$table("breakdown", sbw_query(filters(), by = "event_name")))
    })
    shiny::observe({
      en <- event_names()
      choices <- unique(c(SBW_DEFAULT_FUNNEL, if (!is.null(en) && nrow(en)) en$event_name))
      shiny::updateSelectizeInput(session, "steps", choices = choices,
                                  selected = shiny::isolate(input$steps))
    })
    shiny::observeEvent(input$reset, {
      shiny::updateSelectizeInput(session, "steps", selected = character(0))
    })

    steps <- shiny::reactive(tryCatch(sbw_funnel_steps(input$steps), error = function(e) NULL))
    query <- shiny::reactive(sbw_query(filters(), steps = steps()))
    funnel <- shiny::reactive({
      shiny::req(refresh() > 0)
      sbw_try(status, "funnel.funnel", client$table("funnel", query()))
    })
    empty <- shiny::reactive(sbw_funnel_empty(shiny::req(funnel())))

    output$note <- shiny::renderUI({
      n <- length(input$steps)
      text <- if (n == 1L) "Pick at least 2 steps; the default funnel is shown." else if (n == 0L)
        paste("Default funnel:", paste(SBW_DEFAULT_FUNNEL, collapse = " \u2192 ")) else
        paste("Custom funnel:", paste(input$steps, collapse = " \u2192 "))
      shiny::div(id = ns("note-text"), class = "text-muted small", text)
    })

    need_data <- function() shiny::validate(shiny::need(!empty(), SBW_EMPTY_TEXT))

    output$chart <- shiny::renderPlot({
      need_data()
      d <- funnel()
      d$label <- factor(sprintf("%d. %s", d$step, d$event_name),
                        levels = rev(sprintf("%d. %s", d$step, d$event_name)))
      ggplot2::ggplot(d, ggplot2::aes(sessions, label)) +
        ggplot2::geom_col(fill = "#2c7be5") +
        ggplot2::geom_text(ggplot2::aes(label = sprintf("%s (%s)", fmt_int(sessions),
                                                        fmt_pct(conversion_from_first))),
                           hjust = -0.05, size = 3.8) +
        ggplot2::scale_x_continuous(labels = fmt_int, expand = ggplot2::expansion(c(0, 0.25))) +
        ggplot2::labs(x = "sessions", y = NULL) +
        ggplot2::theme_minimal(base_size = 13)
    }, res = 96) |>
      shiny::bindCache("funnel", funnel())

    output$table <- sbw_render_dt({
      need_data()
      sbw_datatable(sbw_display_funnel(funnel()), pct = c("From step 1 %", "From previous %"))
    })
    output$csv_funnel <- sbw_csv_download(client, status, "funnel", "funnel", query)
  })
}
