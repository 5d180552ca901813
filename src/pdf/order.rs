//! Reading order on a page: rows top-down, except where a gutter runs down the page between
//! lines of text, whose columns are read one after the other, left first.
//!
//! 1. Cut the page into bands at the rows (lines on one baseline belong together).
//! 2. Merge consecutive bands while one gutter stays free across all of them; a band that
//!    crosses the gutter (a title, a wide figure) starts a new group.
//! 3. A group with a gutter is split at it, and each side ordered the same way (so three
//!    columns, or columns inside a column, work out); a group without one is read row by row.

use super::lines::Line;

/// A gutter is at least this many times the text size wide.
pub const MIN_GUTTER: f64 = 1.0;
/// A column's text reaches at least this share of the width of what is being split: what
/// is split at a narrower gap is a table's cells, which are read row by row.
pub const MIN_COLUMN_SHARE: f64 = 0.28;

/// The order in which to read `lines` (indices into it), and for each, the left and right
/// edges of the column it was read in.
pub fn reading_order(lines: &[Line]) -> Vec<(usize, f64, f64)> {
    let all: Vec<usize> = (0..lines.len()).collect();
    let mut out = Vec::with_capacity(lines.len());
    order(lines, &all, &mut out);
    out
}

fn order(lines: &[Line], members: &[usize], out: &mut Vec<(usize, f64, f64)>) {
    if members.is_empty() {
        return;
    }
    // Bands: one per row.
    let mut bands: Vec<Vec<usize>> = Vec::new();
    let mut sorted = members.to_vec();
    sorted.sort_by(|a, b| lines[*a].row.cmp(&lines[*b].row).then(lines[*a].x0.total_cmp(&lines[*b].x0)));
    for i in sorted {
        match bands.last_mut() {
            Some(band) if band.first().is_some_and(|f| lines[*f].row == lines[i].row) => band.push(i),
            _ => bands.push(vec![i]),
        }
    }
    let width = span(lines, members);
    // Groups of consecutive bands sharing one gutter, or none.
    let mut groups: Vec<(Vec<usize>, Option<f64>)> = Vec::new();
    for band in bands {
        if let Some((group, gutter)) = groups.last_mut() {
            let mut union = group.clone();
            union.extend(&band);
            let shared = gutter_of(lines, &union, width);
            let alone = gutter_of(lines, &band, width);
            if shared.is_some() || (gutter.is_none() && alone.is_none()) {
                *group = union;
                *gutter = shared;
                continue;
            }
            // The band keeps the open group's gutter free but has no column of its own
            // (the short last line of one column): it stays with the group.
            if let Some(at) = *gutter {
                if band.iter().all(|i| lines[*i].x1 <= at || lines[*i].x0 >= at) {
                    group.extend(band);
                    continue;
                }
            }
        }
        let gutter = gutter_of(lines, &band, width);
        groups.push((band, gutter));
    }
    for (group, gutter) in groups {
        match gutter {
            Some(at) => {
                let (left, right): (Vec<usize>, Vec<usize>) = group.iter().partition(|i| lines[**i].x1 <= at);
                if left.is_empty() || right.is_empty() {
                    read_rows(lines, &group, out);
                } else {
                    order(lines, &left, out);
                    order(lines, &right, out);
                }
            }
            _ => read_rows(lines, &group, out),
        }
    }
}

/// Row by row, each row left to right, in one column spanning the lines.
fn read_rows(lines: &[Line], group: &[usize], out: &mut Vec<(usize, f64, f64)>) {
    let mut sorted = group.to_vec();
    sorted.sort_by(|a, b| lines[*a].row.cmp(&lines[*b].row).then(lines[*a].x0.total_cmp(&lines[*b].x0)));
    let left = group.iter().map(|i| lines[*i].x0).fold(f64::MAX, f64::min);
    let right = group.iter().map(|i| lines[*i].x1).fold(f64::MIN, f64::max);
    out.extend(sorted.into_iter().map(|i| (i, left, right)));
}

/// The width the lines cover, left edge to right edge.
fn span(lines: &[Line], members: &[usize]) -> f64 {
    let left = members.iter().map(|i| lines[*i].x0).fold(f64::MAX, f64::min);
    let right = members.iter().map(|i| lines[*i].x1).fold(f64::MIN, f64::max);
    (right - left).max(0.0)
}

/// The middle of the widest free vertical strip through `members` that has a column of text
/// on each side, if any.
fn gutter_of(lines: &[Line], members: &[usize], width: f64) -> Option<f64> {
    if members.len() < 2 || width <= 0.0 {
        return None;
    }
    let mut spans: Vec<(f64, f64)> = members.iter().map(|i| (lines[*i].x0, lines[*i].x1)).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut sizes: Vec<f64> = members.iter().map(|i| lines[*i].size).collect();
    sizes.sort_by(f64::total_cmp);
    let size = sizes.get(sizes.len() / 2).copied().unwrap_or(0.0);
    let mut best: Option<(f64, f64)> = None;
    let mut reach = f64::MIN;
    for (i, (x0, x1)) in spans.iter().enumerate() {
        if i > 0 && *x0 - reach >= MIN_GUTTER * size {
            let at = (reach + x0) / 2.0;
            let wide = |keep: &dyn Fn(&Line) -> bool| {
                members.iter().map(|i| &lines[*i]).filter(|l| keep(l)).any(|l| l.width() >= MIN_COLUMN_SHARE * width)
            };
            if wide(&|l| l.x1 <= at) && wide(&|l| l.x0 >= at) && best.is_none_or(|(w, _)| *x0 - reach > w) {
                best = Some((*x0 - reach, at));
            }
        }
        reach = reach.max(*x1);
    }
    best.map(|(_, at)| at)
}
