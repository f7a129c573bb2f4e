//! The analysis worker: the core compiled to wasm, in a Web Worker. It reads the page's requests
//! (JSON text, see `bellows_app::engine`), answers each with `engine::handle`, and says when it
//! listens, since a message sent before that would be lost.

use bellows_app::engine::{handle, Asked, Told};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn post(scope: &web_sys::DedicatedWorkerGlobalScope, told: &Told) {
    let text = serde_json::to_string(told).unwrap_or_default();
    // A worker that cannot post to its page has no one to tell.
    let _ = scope.post_message(&JsValue::from_str(&text));
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // The last design analysed and its analysis: the step-through views ask about it again.
    let cache = RefCell::new(bellows_app::engine::Cache::default());
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let Some(text) = e.data().as_string() else { return };
        // The page writes every message; one it cannot have written is no request.
        let Ok(asked) = serde_json::from_str::<Asked>(&text) else { return };
        let reply = handle(asked.request, &mut cache.borrow_mut());
        post(&reply_scope, &Told::Reply { id: asked.id, reply });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &Told::Ready);
}
