// The demo storefront: a catalogue, product pages, a cart and a checkout, all client-side
// (hash routes), instrumented with web/clickstream.js exactly like the original storefront:
// home_view, category_view, product_view, add_to_cart_click, remove_from_cart_click,
// wishlist_toggle, checkout_start {cartId,total,itemCount}, checkout_complete {orderId,orderNumber,total}.
(function () {
  'use strict';
  var CATALOGUE = [
    {id: 'prod_aula_m75_tm', name: 'Ban phim AULA M75 TM', category: 'keyboard', brand: 'AULA', price: 1990000, discountPrice: 1790000},
    {id: 'prod_keychron_k2_v2', name: 'Ban phim Keychron K2 V2', category: 'keyboard', brand: 'Keychron', price: 2290000, discountPrice: null},
    {id: 'prod_akko_3068b', name: 'Ban phim Akko 3068B Plus', category: 'keyboard', brand: 'Akko', price: 1590000, discountPrice: 1390000},
    {id: 'prod_logitech_g102', name: 'Chuot Logitech G102 Lightsync', category: 'mouse', brand: 'Logitech', price: 399000, discountPrice: 349000},
    {id: 'prod_razer_viper_mini', name: 'Chuot Razer Viper Mini', category: 'mouse', brand: 'Razer', price: 790000, discountPrice: null},
    {id: 'prod_lg_27gp850', name: 'Man hinh LG 27GP850-B 27" 2K 165Hz', category: 'monitor', brand: 'LG', price: 10990000, discountPrice: 9490000},
    {id: 'prod_aoc_24g2', name: 'Man hinh AOC 24G2 24" IPS 144Hz', category: 'monitor', brand: 'AOC', price: 4290000, discountPrice: null},
    {id: 'prod_asus_tuf_f15', name: 'Laptop ASUS TUF Gaming F15', category: 'laptop', brand: 'ASUS', price: 22990000, discountPrice: 20990000},
    {id: 'prod_dell_inspiron_14', name: 'Laptop Dell Inspiron 14 5430', category: 'laptop', brand: 'Dell', price: 18490000, discountPrice: null},
    {id: 'prod_steelseries_arctis_1', name: 'Tai nghe SteelSeries Arctis 1', category: 'headphone', brand: 'SteelSeries', price: 1190000, discountPrice: 990000},
    {id: 'prod_corsair_hs55', name: 'Tai nghe Corsair HS55 Stereo', category: 'headphone', brand: 'Corsair', price: 1390000, discountPrice: null},
    {id: 'prod_xiaomi_pad_stand', name: 'Gia do laptop Xiaomi', category: 'accessory', brand: 'Xiaomi', price: 290000, discountPrice: null}
  ];
  var CATEGORIES = ['laptop', 'keyboard', 'monitor', 'mouse', 'headphone', 'accessory'];
  var view = document.getElementById('view');

  function slug(p) { return p.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); }
  function urlPath(p) { return '/product/' + slug(p); }
  function vnd(n) { return n.toLocaleString('vi-VN') + ' ₫'; }
  function unit(p) { return p.discountPrice || p.price; }
  function productPayload(p) {
    return {id: p.id, name: p.name, category: p.category, brand: p.brand, price: p.price,
            discountPrice: p.discountPrice, urlPath: urlPath(p)};
  }
  function byId(id) { return CATALOGUE.filter(function (p) { return p.id === id; })[0]; }
  function cart() { try { return JSON.parse(localStorage.getItem('demo_cart') || '[]'); } catch (e) { return []; } }
  function saveCart(c) { localStorage.setItem('demo_cart', JSON.stringify(c)); document.getElementById('cart-count').textContent = c.length; }
  function el(html) { var d = document.createElement('div'); d.innerHTML = html; return d; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }

  function card(p) {
    return '<div class="card"><a href="#/product/' + p.id + '" data-sbw-ignore><h3>' + esc(p.name) + '</h3></a>' +
      '<div class="price">' + vnd(unit(p)) + (p.discountPrice ? '<span class="old">' + vnd(p.price) + '</span>' : '') + '</div></div>';
  }

  function home() {
    sbw.track('home_view');
    view.innerHTML = '<h2>Featured</h2><div class="grid">' + CATALOGUE.slice(0, 8).map(card).join('') + '</div>';
  }

  function category(c) {
    sbw.track('category_view', {product: {category: c, id: c}});
    view.innerHTML = '<h2>' + esc(c) + '</h2><div class="grid">' +
      CATALOGUE.filter(function (p) { return p.category === c; }).map(card).join('') + '</div>';
  }

  function product(id) {
    var p = byId(id);
    if (!p) { view.innerHTML = '<p>No such product.</p>'; return; }
    sbw.track('product_view', {product: productPayload(p)});
    view.innerHTML = '<div class="card"><h2>' + esc(p.name) + '</h2><p>' + esc(p.brand) + ' · ' + esc(p.category) + '</p>' +
      '<div class="price">' + vnd(unit(p)) + (p.discountPrice ? '<span class="old">' + vnd(p.price) + '</span>' : '') + '</div>' +
      '<p><button class="primary" id="add-to-cart" type="button" data-sbw-ignore>Add to cart</button> ' +
      '<button id="wishlist" type="button" data-sbw-ignore>♡ Wishlist</button></p></div>';
    document.getElementById('add-to-cart').onclick = function () {
      sbw.track('add_to_cart_click', {product: productPayload(p)});
      var c = cart(); c.push(p.id); saveCart(c);
      location.hash = '#/cart';
    };
    document.getElementById('wishlist').onclick = function () {
      sbw.track('wishlist_toggle', {product: productPayload(p)});
    };
  }

  function cartView() {
    sbw.page();
    var c = cart();
    if (!c.length) { view.innerHTML = '<h2>Your cart is empty</h2>'; return; }
    var total = c.reduce(function (s, id) { return s + unit(byId(id)); }, 0);
    view.innerHTML = '<h2>Cart</h2><table><tr><th>Product</th><th>Price</th><th></th></tr>' +
      c.map(function (id, i) {
        var p = byId(id);
        return '<tr><td>' + esc(p.name) + '</td><td>' + vnd(unit(p)) + '</td><td><button type="button" class="remove" data-i="' + i + '" data-sbw-ignore>Remove</button></td></tr>';
      }).join('') + '</table><p>Total: <b id="cart-total">' + vnd(total) + '</b></p>' +
      '<button class="primary" id="checkout" type="button" data-sbw-ignore>Checkout</button>';
    Array.prototype.forEach.call(document.querySelectorAll('button.remove'), function (b) {
      b.onclick = function () {
        var cc = cart(), p = byId(cc[+b.getAttribute('data-i')]);
        sbw.track('remove_from_cart_click', {product: productPayload(p)});
        cc.splice(+b.getAttribute('data-i'), 1); saveCart(cc); cartView();
      };
    });
    document.getElementById('checkout').onclick = function () {
      var cartId = 'cart_' + Date.now().toString(36);
      sbw.track('checkout_start', {element: {tag: 'button', id: 'checkout', text: 'Checkout',
        dataset: {cartId: cartId, total: String(total), itemCount: String(c.length)}}});
      localStorage.setItem('demo_cart_id', cartId);
      location.hash = '#/checkout';
    };
  }

  function checkout() {
    sbw.page();
    var c = cart();
    var total = c.reduce(function (s, id) { return s + unit(byId(id)); }, 0);
    view.innerHTML = '<h2>Checkout</h2><p>' + c.length + ' items, ' + vnd(total) + '</p>' +
      '<button class="primary" id="place-order" type="button" data-sbw-ignore>Place order</button>';
    document.getElementById('place-order').onclick = function () {
      var n = Math.floor(100000 + Math.random() * 900000);
      sbw.track('checkout_complete', {element: {tag: 'button', id: 'place-order', text: 'Place order',
        dataset: {orderId: 'ord_' + n.toString(36), orderNumber: String(n), total: String(total)}}});
      saveCart([]);
      view.innerHTML = '<h2 id="thanks">Thank you! Order #' + n + '</h2><p><a href="#/">Continue shopping</a></p>';
      sbw.flush();
    };
  }

  function route() {
    var h = location.hash.replace(/^#\/?/, '').split('/');
    if (h[0] === 'category') category(h[1]);
    else if (h[0] === 'product') product(h[1]);
    else if (h[0] === 'cart') cartView();
    else if (h[0] === 'checkout') checkout();
    else home();
  }

  document.getElementById('categories').innerHTML = CATEGORIES.map(function (c) {
    return '<a href="#/category/' + c + '" data-sbw-ignore>' + c + '</a>';
  }).join('');
  document.getElementById('login').onclick = function () {
    var logged = this.textContent === 'Log out';
    if (logged) { sbw.identify(null); this.textContent = 'Log in'; }
    else { sbw.identify('user_demo_' + Math.floor(Math.random() * 1000), 'logged_in', 'demo'); this.textContent = 'Log out'; }
  };
  saveCart(cart());
  window.addEventListener('hashchange', route);
  route();
})();
