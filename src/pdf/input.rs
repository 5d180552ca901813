//! What the reader page hands the core of a PDF: pdf.js's text items and page sizes as they
//! came (extension/reader/pdf-text.js), or why it could not read one.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A PDF's text layer: every page's items, and the document's own Title and Author.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct PdfDoc {
    pub pages: Vec<PdfPage>,
    pub title: Option<String>,
    pub author: Option<String>,
}

/// One page: its size in PDF units (points, y upwards from the bottom), its items and fonts.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct PdfPage {
    pub width: f64,
    pub height: f64,
    pub items: Vec<TextItem>,
    /// pdf.js's font ids (`fontName` of an item) to what the font says of itself.
    pub fonts: BTreeMap<String, FontInfo>,
}

/// A pdf.js text item: a run of text drawn with one font from one point.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct TextItem {
    pub str: String,
    /// The text matrix `[a, b, c, d, e, f]`: `e, f` is where the baseline starts, `d` the size.
    pub transform: Vec<f64>,
    pub width: f64,
    pub height: f64,
    pub font_name: String,
    /// pdf.js saw the end of a line after this item.
    pub has_eol: bool,
}

/// A font's name as the PDF embeds it (`ABCDEF+LiberationSerif-Bold`), and pdf.js's flags.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct FontInfo {
    pub name: String,
    pub bold: bool,
    pub italic: bool,
}

impl FontInfo {
    /// Bold by pdf.js's flag or by the font's name.
    pub fn is_bold(&self) -> bool {
        let name = self.name.to_ascii_lowercase();
        self.bold || ["bold", "black", "heavy", "semibold", "demi"].iter().any(|w| name.contains(w))
    }

    pub fn is_italic(&self) -> bool {
        let name = self.name.to_ascii_lowercase();
        self.italic || name.contains("italic") || name.contains("oblique")
    }
}

/// Why the reader page has no items to give, as the facts it saw: the core says what they mean.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PdfFailure {
    /// The bytes could not be fetched: the browser's message, the HTTP status if one came,
    /// whether Gloss holds the host's permission, and whether the browser lets it read files.
    Fetch {
        message: String,
        #[serde(default)]
        status: Option<u16>,
        #[serde(default)]
        granted: bool,
        #[serde(default)]
        file_access: bool,
    },
    /// pdf.js could not read the file: its error's name (`PasswordException`,
    /// `InvalidPDFException`…) and message.
    Unreadable {
        #[serde(default)]
        name: String,
        #[serde(default)]
        message: String,
    },
}
