//! Every touch of the browser outside the DOM the components render: storage, the address bar,
//! the clipboard, downloads and files. Each function fails soft (returns `None`/`false`), since
//! a private window may refuse storage and a page opened from a file has no clipboard.

use wasm_bindgen::JsCast;

const AUTOSAVE_KEY: &str = "bellows.design.v1";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The design saved by the last session, as a share fragment.
pub fn load_autosave() -> Option<String> {
    window()?.local_storage().ok()??.get_item(AUTOSAVE_KEY).ok()?
}

pub fn save_autosave(fragment: &str) -> bool {
    window().and_then(|w| w.local_storage().ok().flatten()).is_some_and(|s| s.set_item(AUTOSAVE_KEY, fragment).is_ok())
}

pub fn clear_autosave() {
    if let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item(AUTOSAVE_KEY);
    }
}

/// The URL fragment without `#`, when there is one.
pub fn fragment() -> Option<String> {
    let hash = window()?.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    (!hash.is_empty()).then(|| hash.to_string())
}

/// True when the page was opened as an embed (`?embed` in its address, for an iframe in a wiki
/// or docs page): the canvas and the plan, read-only, without the editing chrome.
pub fn is_embed() -> bool {
    window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| q.trim_start_matches('?').split('&').any(|p| p == "embed"))
}

/// The page's address without `?embed`, with the same fragment: the full app.
pub fn full_app_link() -> String {
    let Some(w) = window() else { return String::new() };
    let (path, hash) = (w.location().pathname().unwrap_or_default(), w.location().hash().unwrap_or_default());
    format!("{path}{hash}")
}

/// The page's address with this fragment.
pub fn link_with(fragment: &str) -> String {
    let base = window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default();
    format!("{base}#{fragment}")
}

/// Puts the fragment in the address bar without adding a history entry or reloading.
pub fn replace_fragment(fragment: &str) {
    if let Some(w) = window() {
        if let Ok(history) = w.history() {
            let url =
                if fragment.is_empty() { w.location().pathname().unwrap_or_default() } else { format!("#{fragment}") };
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Copies text to the clipboard (asynchronously; the browser may refuse).
pub fn copy(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// The built page's Content-Security-Policy lets it fetch its own files (the wasm); once the wasm
/// runs, this adds a second policy, `connect-src 'none'`, which the browser enforces on top of
/// the first: from here on the page cannot send anything anywhere, even if a hostile link found a
/// way to inject markup. Only where the page has a policy already (the built site, not
/// `trunk serve`, whose live reload needs its socket).
pub fn forbid_connections() {
    let Some(document) = window().and_then(|w| w.document()) else { return };
    let has_policy = document.query_selector("meta[http-equiv='Content-Security-Policy']").ok().flatten().is_some();
    let (true, Some(head)) = (has_policy, document.head()) else { return };
    if let Ok(meta) = document.create_element("meta") {
        let _ = meta.set_attribute("http-equiv", "Content-Security-Policy");
        let _ = meta.set_attribute("content", "connect-src 'none'");
        let _ = head.append_child(&meta);
    }
}

/// Offers a `data:` URL (an image) as a file download.
pub fn download_url(name: &str, url: &str) {
    let Some(document) = window().and_then(|w| w.document()) else { return };
    if let Ok(a) = document.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(url);
        a.set_download(name);
        if let Some(body) = document.body() {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
}

/// Draws an SVG into a canvas `scale` times its size and hands the PNG (a `data:` URL) to `done`
/// (`None` when the browser refuses). Asynchronous: the image decodes first.
pub fn svg_to_png(svg: &str, width: f64, height: f64, scale: f64, done: impl FnOnce(Option<String>) + 'static) {
    use wasm_bindgen::closure::Closure;
    let Some(document) = window().and_then(|w| w.document()) else { return done(None) };
    let Ok(img) = web_sys::HtmlImageElement::new() else { return done(None) };
    let loaded = img.clone();
    let onload = Closure::once_into_js(move || {
        let png = (|| {
            let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
            canvas.set_width((width * scale).round() as u32);
            canvas.set_height((height * scale).round() as u32);
            let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
            ctx.scale(scale, scale).ok()?;
            ctx.draw_image_with_html_image_element(&loaded, 0.0, 0.0).ok()?;
            canvas.to_data_url().ok()
        })();
        done(png);
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&format!("data:image/svg+xml;charset=utf-8,{}", String::from(js_sys::encode_uri_component(svg))));
}

/// Puts a PNG (a `data:` URL) on the clipboard as an image, so it pastes into a chat.
pub fn copy_png(data_url: &str) -> bool {
    let Some(w) = window() else { return false };
    let Some(b64) = data_url.split_once(',').map(|(_, b)| b) else { return false };
    let Ok(binary) = w.atob(b64) else { return false };
    let bytes: Vec<u8> = binary.chars().map(|c| c as u32 as u8).collect();
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/png");
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else { return false };
    let Ok(ctor) = js_sys::Reflect::get(&w, &"ClipboardItem".into()) else { return false };
    let Some(ctor) = ctor.dyn_ref::<js_sys::Function>() else { return false };
    let record = js_sys::Object::new();
    if js_sys::Reflect::set(&record, &"image/png".into(), &blob).is_err() {
        return false;
    }
    let Ok(item) = js_sys::Reflect::construct(ctor, &js_sys::Array::of1(&record)) else { return false };
    let _ = w.navigator().clipboard().write(&js_sys::Array::of1(&item));
    true
}

/// Offers text as a file download.
pub fn download(name: &str, mime: &str, text: &str) {
    download_url(name, &format!("data:{mime};charset=utf-8,{}", String::from(js_sys::encode_uri_component(text))));
}

/// Reads a file the user picked or dropped, as text.
pub async fn read_file(file: web_sys::File) -> Option<String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok()?;
    text.as_string()
}

pub fn confirm(message: &str) -> bool {
    window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(true)
}

pub fn now_ms() -> f64 {
    window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
