//! The CSV format users upload: a header row; a column named `label` holds class
//! labels (integers 0..C-1, or names); columns named `y` or `y0, y1, ...` hold numeric
//! regression targets; every other column is a numeric feature, in header order.
//! A comment line `# image: HxW` (or `# image: CxHxW`) before the header says each row
//! is an H x W image of C channels, flattened channel-major (numpy's `X.reshape(N, -1)`
//! of an N x C x H x W array); the channels are the features over H x W.

use super::{Dataset, Target};
use crate::engine::error::{EngineError, Result};
use crate::engine::limits::{self, MAX_CLASSES, MAX_ROWS};
use ndarray::Array2;

/// Parses CSV text (see the module doc). Every error names the line and the column.
pub fn parse(text: &str) -> Result<Dataset> {
    parse_with_lines(text).map(|(data, _)| data)
}

/// Parses like [`parse`] and also returns the file line of every row, so that a check
/// made later (a label the model does not know) can name the line too.
pub fn parse_with_lines(text: &str) -> Result<(Dataset, Vec<usize>)> {
    limits::check_file_size("CSV file", text.len())?;
    if text.trim().is_empty() {
        return Err(EngineError::Data("the CSV is empty".into()));
    }
    let image_shape = image_directive(text)?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let columns = classify_columns(&header)?;
    limits::check_table(0, header.len())?;

    let mut features: Vec<f64> = Vec::new();
    let mut raw_labels: Vec<String> = Vec::new();
    let mut targets: Vec<f64> = Vec::new();
    let mut rows = 0usize;
    let mut lines: Vec<usize> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(rows + 2, |p| p.line() as usize);
        lines.push(line);
        rows += 1;
        if rows > MAX_ROWS {
            return Err(EngineError::Limit(format!(
                "the CSV has more than {MAX_ROWS} rows; the limit is {MAX_ROWS}"
            )));
        }
        for (field, (name, role)) in record.iter().zip(header.iter().zip(&columns)) {
            match role {
                Role::Label => {
                    if field.is_empty() {
                        return Err(EngineError::Data(format!(
                            "line {line}: the label is empty"
                        )));
                    }
                    raw_labels.push(field.to_string());
                }
                Role::Feature => features.push(number(field, line, name)?),
                Role::Target => targets.push(number(field, line, name)?),
            }
        }
    }
    if rows == 0 {
        return Err(EngineError::Data("the CSV has a header but no rows".into()));
    }

    let feature_names: Vec<String> = names_with(&header, &columns, Role::Feature);
    let x = Array2::from_shape_vec((rows, feature_names.len()), features)
        .map_err(|e| EngineError::Data(e.to_string()))?;
    let target = if columns.contains(&Role::Label) {
        labels(&raw_labels)?
    } else {
        let names = names_with(&header, &columns, Role::Target);
        let y = Array2::from_shape_vec((rows, names.len()), targets)
            .map_err(|e| EngineError::Data(e.to_string()))?;
        Target::Values { y, names }
    };
    let image_shape = match image_shape {
        Some((c, h, w)) => {
            // checked: a declared shape like 99999999999x99999999999 overflows usize.
            if c.checked_mul(h).and_then(|v| v.checked_mul(w)) != Some(feature_names.len()) {
                let what = if c == 1 {
                    format!("{h}x{w} images ({} pixels)", h as u128 * w as u128)
                } else {
                    format!(
                        "{c}x{h}x{w} images ({} values)",
                        c as u128 * h as u128 * w as u128
                    )
                };
                return Err(EngineError::Data(format!(
                    "the CSV declares {what} but has {} feature columns",
                    feature_names.len()
                )));
            }
            Some((h, w))
        }
        None => None,
    };
    let data = Dataset {
        x,
        feature_names,
        target,
        image_shape,
    };
    Ok((data, lines))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Feature,
    Label,
    Target,
}

fn is_target_name(name: &str) -> bool {
    name == "y"
        || (name.len() > 1
            && name.starts_with('y')
            && name[1..].bytes().all(|b| b.is_ascii_digit()))
}

fn classify_columns(header: &[String]) -> Result<Vec<Role>> {
    let mut seen = std::collections::HashSet::new();
    for (i, name) in header.iter().enumerate() {
        if name.is_empty() {
            return Err(EngineError::Data(format!(
                "line 1: column {} has no name",
                i + 1
            )));
        }
        if !seen.insert(name) {
            return Err(EngineError::Data(format!(
                "line 1: the column \"{name}\" appears twice"
            )));
        }
    }
    let roles: Vec<Role> = header
        .iter()
        .map(|n| {
            if n == "label" {
                Role::Label
            } else if is_target_name(n) {
                Role::Target
            } else {
                Role::Feature
            }
        })
        .collect();
    let has_label = roles.contains(&Role::Label);
    let has_target = roles.contains(&Role::Target);
    if has_label && has_target {
        return Err(EngineError::Data(
            "line 1: the CSV has both a label column and y columns; keep one".into(),
        ));
    }
    if !has_label && !has_target {
        return Err(EngineError::Data(
            "line 1: the CSV needs a column named label (classes) or y (regression targets)".into(),
        ));
    }
    if !roles.contains(&Role::Feature) {
        return Err(EngineError::Data(
            "line 1: the CSV has no feature columns".into(),
        ));
    }
    Ok(roles)
}

fn names_with(header: &[String], roles: &[Role], want: Role) -> Vec<String> {
    header
        .iter()
        .zip(roles)
        .filter(|(_, r)| **r == want)
        .map(|(n, _)| n.clone())
        .collect()
}

fn number(field: &str, line: usize, column: &str) -> Result<f64> {
    let v: f64 = field.parse().map_err(|_| {
        EngineError::Data(format!(
            "line {line}, column \"{column}\": \"{}\" is not a number",
            shorten(field)
        ))
    })?;
    if !v.is_finite() {
        return Err(EngineError::Data(format!(
            "line {line}, column \"{column}\": {field} is not a finite number"
        )));
    }
    Ok(v)
}

/// The first 40 characters of a user's value, for messages.
pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Integer labels 0..C-1 keep their values; anything else becomes names, sorted.
fn labels(raw: &[String]) -> Result<Target> {
    let ints: Option<Vec<usize>> = raw.iter().map(|s| s.parse::<usize>().ok()).collect();
    if let Some(ints) = ints {
        // saturating: a label of usize::MAX must not overflow (it is then a name).
        let classes = ints.iter().max().map_or(0, |m| m.saturating_add(1));
        if classes <= MAX_CLASSES {
            return Ok(Target::Classes {
                labels: ints,
                names: (0..classes).map(|c| c.to_string()).collect(),
            });
        }
    }
    let mut names: Vec<String> = raw.to_vec();
    names.sort();
    names.dedup();
    if names.len() > MAX_CLASSES {
        return Err(EngineError::Limit(format!(
            "the label column has {} distinct classes; the limit is {MAX_CLASSES}",
            names.len()
        )));
    }
    let labels = raw
        .iter()
        .map(|s| names.binary_search(s).unwrap_or(0))
        .collect();
    Ok(Target::Classes { labels, names })
}

/// (channels, height, width) of the `# image:` line, channels 1 for `HxW`.
fn image_directive(text: &str) -> Result<Option<(usize, usize, usize)>> {
    for line in text.lines().take_while(|l| l.trim_start().starts_with('#')) {
        let body = line.trim_start().trim_start_matches('#').trim();
        let Some(rest) = body.strip_prefix("image") else {
            continue;
        };
        let spec = rest.trim_start_matches([':', '=', ' ']).trim();
        let dims: Option<Vec<usize>> = spec
            .split(['x', 'X'])
            .map(|d| d.trim().parse().ok())
            .collect();
        return match dims.as_deref() {
            Some(&[h, w]) if h > 0 && w > 0 => Ok(Some((1, h, w))),
            Some(&[c, h, w]) if c > 0 && h > 0 && w > 0 => Ok(Some((c, h, w))),
            _ => Err(EngineError::Data(format!(
                "the image line \"{}\" should read like \"# image: 28x28\" or \"# image: 3x32x32\"",
                shorten(line.trim())
            ))),
        };
    }
    Ok(None)
}

fn csv_error(e: ::csv::Error) -> EngineError {
    let line = e.position().map(|p| p.line());
    let what = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, but the header has {expected_len}"),
        ::csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    match line {
        Some(l) => EngineError::Data(format!("line {l}: {what}")),
        None => EngineError::Data(what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_features_and_integer_labels() {
        let d = parse("x0,x1,label\n16.0,-6.0,2\n1,2,0\n").unwrap();
        assert_eq!(d.feature_names, ["x0", "x1"]);
        assert_eq!(d.x, ndarray::array![[16.0, -6.0], [1.0, 2.0]]);
        assert_eq!(
            d.target,
            Target::Classes {
                labels: vec![2, 0],
                names: vec!["0".into(), "1".into(), "2".into()]
            }
        );
    }

    #[test]
    fn reads_named_labels_regression_and_images() {
        let d = parse("a,label,b\n1,cat,2\n3,dog,4\n5,cat,6\n").unwrap();
        let Target::Classes { labels, names } = d.target else {
            panic!()
        };
        assert_eq!(
            (labels, names),
            (vec![0, 1, 0], vec!["cat".into(), "dog".into()])
        );
        let d = parse("x,y0,y1\n1,2,3\n").unwrap();
        assert!(matches!(d.target, Target::Values { ref y, .. } if y.ncols() == 2));
        let d = parse("# image: 1x2\np0,p1,label\n0,1,0\n").unwrap();
        assert_eq!(d.image_shape, Some((1, 2)));
    }

    #[test]
    fn every_malformation_names_where_it_is() {
        assert_eq!(err(""), "data: the CSV is empty");
        assert_eq!(err("x,label\n"), "data: the CSV has a header but no rows");
        assert_eq!(
            err("x,z,label\n1,2,0\n1,0\n"),
            "data: line 3: 2 fields, but the header has 3"
        );
        assert_eq!(
            err("x,label\n1,0\nabc,1\n"),
            "data: line 3, column \"x\": \"abc\" is not a number"
        );
        assert_eq!(
            err("x,label\nNaN,0\n"),
            "data: line 2, column \"x\": NaN is not a finite number"
        );
        assert_eq!(
            err("x,label\ninf,0\n"),
            "data: line 2, column \"x\": inf is not a finite number"
        );
        assert!(err("x,x,label\n1,2,0\n").contains("appears twice"));
        assert!(err("x,w\n1,2\n").contains("label"));
        assert!(err("label\n1\n").contains("no feature"));
        assert!(err("# image: 3x3\na,label\n1,0\n").contains("3x3"));
        assert!(err("# image: big\na,label\n1,0\n").contains("28x28"));
    }

    #[test]
    fn huge_numbers_in_the_image_line_and_labels_do_not_overflow() {
        // Regressions: both panicked with "attempt to multiply/add with overflow".
        let e = err("# image: 4294967296x4294967296\na,label\n1,0\n");
        assert_eq!(
            e,
            "data: the CSV declares 4294967296x4294967296 images (18446744073709551616 pixels) but has 1 feature columns"
        );
        // cargo fuzz's minimised input (fuzz/corpus/csv/regression-label-overflow.csv).
        let d = parse("a,label,b\n0,18446744073709551615,6").unwrap();
        let Target::Classes { labels, names } = d.target else {
            panic!()
        };
        assert_eq!(
            (labels, names),
            (vec![0], vec!["18446744073709551615".into()])
        );
    }

    #[test]
    fn too_many_rows_is_refused_with_the_limit() {
        let mut text = String::from("x,label\n");
        for _ in 0..=MAX_ROWS {
            text.push_str("1,0\n");
        }
        assert!(err(&text).contains("limit is 10000"));
    }
}
