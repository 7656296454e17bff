# mod_products.R: the Products tab. Top products (views -> add-to-cart -> purchases, rates,
# revenue) ranked by a chosen measure, top categories and top brands (UNKNOWN for missing).

SBW_RANK_CHOICES <- c("Views" = "views", "Add to cart" = "add_to_cart", "Purchases" = "purchases",
                      "Revenue" = "revenue", "Events" = "events")

mod_products_ui <- function(id) {
  ns <- shiny::NS(id)
  shiny::tagList(
    sbw_card(
      "Top products",
      shiny::div(class = "d-flex gap-3",
                 shiny::selectInput(ns("rank"), "Rank by", SBW_RANK_CHOICES, selected = "views",
                                    width = "200px"),
                 shiny::selectInput(ns("limit"), "Show", c(10, 25, 50, 100), selected = 10,
                                    width = "120px")),
      DT::dataTableOutput(ns("products")),
      download_id = ns("csv_products")
    ),
    shiny::selectInput(ns("rank_groups"), "Rank categories and brands by", SBW_RANK_CHOICES,
                       selected = "events", width = "300px"),
    bslib::layout_column_wrap(
      width = 1 / 2, fill = FALSE,
      sbw_card("Top categories", shiny::plotOutput(ns("categories_plot"), height = "260px"),
               DT::dataTableOutput(ns("categories")), download_id = ns("csv_categories")),
      sbw_card("Top brands", shiny::plotOutput(ns("brands_plot"), height = "260px"),
               DT::dataTableOutput(ns("brands")), download_id = ns("csv_brands"))
    )
  )
}

mod_products_server <- function(id, client, filters, refresh, status) {
  shiny::moduleServer(id, function(input, output, session) {
    fetch <- function(key, path, query) {
      shiny::req(refresh() > 0)
      sbw_try(status, paste0("products.", key), client$table(path, query))
    }
    rank <- shiny::reactive(if (is.null(input$rank)) "views" else input$rank)
    rank_groups <- shiny::reactive(if (is.null(input$rank_groups)) "events" else input$rank_groups)
    limit <- shiny::reactive(if (is.null(input$limit)) 10L else as.integer(input$limit))

    q_products <- shiny::reactive(sbw_query(filters(), by = rank(), limit = limit()))
    q_categories <- shiny::reactive(sbw_query(filters(), by = rank_groups()))
    q_brands <- shiny::reactive(sbw_query(filters(), by = rank_groups()))

    products <- shiny::reactive(fetch("products", "products/top", q_products()))
    categories <- shiny::reactive(fetch("categories", "categories/top", q_categories()))
    brands <- shiny::reactive(fetch("brands", "brands/top", q_brands()))

    need_rows <- function(df) shiny::validate(shiny::need(nrow(df) > 0L, SBW_EMPTY_TEXT))
    measure <- function(by) switch(by, add_to_cart = "add_to_carts", by)
    group_plot <- function(df, fill) {
      by <- measure(rank_groups())
      d <- sbw_top_bars(df, names(df)[1], by, 10L)
      ggplot2::ggplot(d, ggplot2::aes(value, label)) +
        ggplot2::geom_col(fill = fill) +
        ggplot2::scale_x_continuous(labels = fmt_int) +
        ggplot2::labs(x = names(SBW_RANK_CHOICES)[SBW_RANK_CHOICES == rank_groups()], y = NULL) +
        ggplot2::theme_minimal(base_size = 13)
    }

    output$products <- sbw_render_dt({
      df <- shiny::req(products())
      need_rows(df)
      sbw_datatable(sbw_display_products(df), money = c("Price (VND)", "Revenue (VND)"),
                    pct = c("View\u2192cart %", "Cart\u2192purchase %"))
    })
    output$categories_plot <- shiny::renderPlot({
      df <- shiny::req(categories())
      need_rows(df)
      group_plot(df, "#fd7e14")
    }, res = 96) |>
      shiny::bindCache("categories", categories())
    output$brands_plot <- shiny::renderPlot({
      df <- shiny::req(brands())
      need_rows(df)
      group_plot(df, "#20c997")
    }, res = 96) |>
      shiny::bindCache("brands", brands())
    output$categories <- sbw_render_dt({
      df <- shiny::req(categories())
      need_rows(df)
      sbw_datatable(sbw_display_groups(df, "Category"), money = "Revenue (VND)")
    })
    output$brands <- sbw_render_dt({
      df <- shiny::req(brands())
      need_rows(df)
      sbw_datatable(sbw_display_groups(df, "Brand"), money = "Revenue (VND)")
    })

    output$csv_products <- sbw_csv_download(client, status, "products", "products/top", q_products)
    output$csv_categories <- sbw_csv_download(client, status, "categories", "categories/top",
                                              q_categories)
    output$csv_brands <- sbw_csv_download(client, status, "brands", "brands/top", q_brands)
  })
}
