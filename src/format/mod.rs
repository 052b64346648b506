//! Output formats: one renderer per format over the shared block model ([`blocks::Block`]).
//!
//! Every report (progress, ethics, status digest) is built as a model in [`crate::report`],
//! turned into blocks, and rendered here: [`markdown`] (GitHub Markdown, registry text
//! defused), [`html`] (a self-contained page, registry text escaped), [`docx`] (Word) and
//! [`terminal`] (tables and prose that fit the terminal's width, registry text made safe) and
//! [`text`] (plain text to paste into an online form).
//! Renderers know no trial, no config and no registry: only blocks, text and a [`Lang`].
//!
//! [`Lang`]: crate::lang::Lang

pub mod blocks;
pub mod docx;
pub mod html;
pub mod markdown;
pub mod terminal;
pub mod text;

pub use blocks::Block;
