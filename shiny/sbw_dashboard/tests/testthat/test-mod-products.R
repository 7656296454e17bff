# The Products tab: rank-by choices, top categories and brands with UNKNOWN.

products_stub <- function() {
  stub_client(tables = list(`products/top` = FX_PRODUCTS, `categories/top` = FX_CATEGORIES,
                            `brands/top` = FX_BRANDS))
}

test_that("products: default ranks (views; events for groups), limit 10, values shown", {
  client <- products_stub()
  testServer(mod_products_server, args = module_args(client), {
    session$flushReact()
    q <- client$last_query("products/top")
    expect_equal(q$by, "views")
    expect_equal(q$limit, 10L)
    expect_equal(client$last_query("categories/top")$by, "events")
    expect_equal(client$last_query("brands/top")$by, "events")
    expect_equal(products()$view_to_cart_rate, c(50, 100, 0))
    out <- output$products
    expect_match(out, "Keyboard One")
    expect_match(out, "UNKNOWN")
    expect_match(output$brands, "Logitech")
    expect_match(output$categories, "keyboard")
    expect_type(output$brands_plot, "list")
  })
})

test_that("products: changing rank by and the row count re-queries", {
  client <- products_stub()
  testServer(mod_products_server, args = module_args(client), {
    session$flushReact()
    session$setInputs(rank = "revenue", limit = "25")
    q <- client$last_query("products/top")
    expect_equal(q$by, "revenue")
    expect_equal(q$limit, 25L)
    session$setInputs(rank_groups = "add_to_cart")
    expect_equal(client$last_query("brands/top")$by, "add_to_cart")
    expect_equal(client$last_query("categories/top")$by, "add_to_cart")
    expect_type(output$categories_plot, "list") # plots add_to_carts
    output$csv_brands
    expect_equal(client$calls("csv")[[1]]$query$by, "add_to_cart")
    expect_equal(client$calls("csv")[[1]]$path, "brands/top")
  })
})

test_that("products: no rows is the empty state", {
  client <- stub_client(tables = list(`products/top` = FX_PRODUCTS[0, ],
                                      `categories/top` = FX_CATEGORIES[0, ],
                                      `brands/top` = FX_BRANDS[0, ]))
  testServer(mod_products_server, args = module_args(client), {
    session$flushReact()
    expect_error(output$products, "No events in this range")
    expect_error(output$brands_plot, "No events in this range")
  })
})
