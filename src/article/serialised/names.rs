//! SVG's and MathML's names as the parser gives them.

use html5ever::{ns, Attribute, LocalName, Prefix, QualName};

/// SVG's mixed-case element names (the parser lowercases a tag, then restores these).
pub(super) const SVG_TAG_NAMES: [&str; 37] = [
    "altGlyph", "altGlyphDef", "altGlyphItem", "animateColor", "animateMotion", "animateTransform", "clipPath", "feBlend",
    "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap",
    "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feImage",
    "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile",
    "feTurbulence", "foreignObject", "glyphRef", "linearGradient", "radialGradient", "textPath",
];

/// SVG's mixed-case attribute names.
const SVG_ATTRIBUTE_NAMES: [&str; 58] = [
    "attributeName", "attributeType", "baseFrequency", "baseProfile", "calcMode", "clipPathUnits", "diffuseConstant",
    "edgeMode", "filterUnits", "glyphRef", "gradientTransform", "gradientUnits", "kernelMatrix", "kernelUnitLength",
    "keyPoints", "keySplines", "keyTimes", "lengthAdjust", "limitingConeAngle", "markerHeight", "markerUnits", "markerWidth",
    "maskContentUnits", "maskUnits", "numOctaves", "pathLength", "patternContentUnits", "patternTransform", "patternUnits",
    "pointsAtX", "pointsAtY", "pointsAtZ", "preserveAlpha", "preserveAspectRatio", "primitiveUnits", "refX", "refY",
    "repeatCount", "repeatDur", "requiredExtensions", "requiredFeatures", "specularConstant", "specularExponent",
    "spreadMethod", "startOffset", "stdDeviation", "stitchTiles", "surfaceScale", "systemLanguage", "tableValues", "targetX",
    "targetY", "textLength", "viewBox", "viewTarget", "xChannelSelector", "yChannelSelector", "zoomAndPan",
];

/// An SVG or MathML element's attributes as the parser names them: SVG's mixed case restored
/// (MathML's `definitionURL`), and the `xlink:`, `xml:` and `xmlns` ones in their namespaces.
pub(super) fn foreign_attributes(space: Space, mut attrs: Vec<Attribute>) -> Vec<Attribute> {
    for attr in &mut attrs {
        let local = &*attr.name.local;
        let mixed = match space {
            Space::Svg => SVG_ATTRIBUTE_NAMES.iter().find(|n| n.eq_ignore_ascii_case(local)).copied(),
            _ => (local == "definitionurl").then_some("definitionURL"),
        };
        if let Some(name) = mixed {
            attr.name = QualName::new(None, ns!(), LocalName::from(name));
            continue;
        }
        let foreign = match local {
            "xlink:actuate" | "xlink:arcrole" | "xlink:href" | "xlink:role" | "xlink:show" | "xlink:title" | "xlink:type" => {
                Some((Some(Prefix::from("xlink")), ns!(xlink), &local[6..]))
            }
            "xml:lang" | "xml:space" => Some((Some(Prefix::from("xml")), ns!(xml), &local[4..])),
            "xmlns" => Some((None, ns!(xmlns), "xmlns")),
            "xmlns:xlink" => Some((Some(Prefix::from("xmlns")), ns!(xmlns), "xlink")),
            _ => None,
        };
        if let Some((prefix, ns, name)) = foreign {
            let name = LocalName::from(name);
            attr.name = QualName::new(prefix, ns, name);
        }
    }
    attrs
}

/// The element's namespace.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Space {
    Html,
    Svg,
    MathMl,
}
