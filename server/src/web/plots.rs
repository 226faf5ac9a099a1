//! The pages' plots as inline SVG, drawn by plotters' SVG backend (no fonts loaded: the text is
//! SVG `<text>` the browser sets). Every point is one `<circle>`, so a test can count them.

use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use super::board::Series;
use super::report::Raster;

/// Width and height of every plot, SVG user units (px).
const SIZE: (u32, u32) = (720, 320);

/// Colours of the plotted teams, cycled.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The (low, high) of `values` widened so that a single value or none still spans a range.
fn span(values: impl Iterator<Item = f64>, default: (f64, f64)) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return default;
    }
    let pad = ((hi - lo) * 0.05).max(0.05);
    (lo - pad, hi + pad)
}

/// Each team's primary over time (hours since the challenge was created): a line and a
/// circle per point, one colour per team, with a legend. Drawing into a `String` cannot fail
/// but for a plotters bug; then the plot is left out and the error is logged.
pub fn history(series: &[Series]) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_history(&mut svg, series) {
        tracing::error!(error = %e, "drawing the history plot");
        return String::new();
    }
    svg
}

fn draw_history(
    svg: &mut String,
    series: &[Series],
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let (x0, x1) = span(points().map(|p| p.0), (0.0, 1.0));
    let (y0, y1) = span(points().map(|p| p.1), (0.0, 1.0));
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(x0.max(0.0)..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("hours since the challenge opened")
        .y_desc("primary")
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), colour))?
            .label(s.team.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour));
        chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
    }
    if !series.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// One bar per (label, value) with the value written above it; an undefined value draws no bar
/// and says so. For a submission's primary by condition.
pub fn bars(bars: &[(&str, Option<f64>)]) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_bars(&mut svg, bars) {
        tracing::error!(error = %e, "drawing a bar plot");
        return String::new();
    }
    svg
}

fn draw_bars(
    svg: &mut String,
    bars: &[(&str, Option<f64>)],
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let (lo, hi) = span(bars.iter().filter_map(|b| b.1).chain([0.0]), (0.0, 1.0));
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n = bars.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..n, lo..hi)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc("primary")
        .draw()?;
    for (i, (label, value)) in bars.iter().enumerate() {
        let x = i as f64;
        let colour = PALETTE[i % PALETTE.len()];
        if let Some(v) = value {
            chart.draw_series([Rectangle::new(
                [(x + 0.2, 0.0), (x + 0.8, *v)],
                colour.filled(),
            )])?;
        }
        let text = match value {
            Some(v) => format!("{label}: {v:.3}"),
            None => format!("{label}: undefined"),
        };
        chart.draw_series([Text::new(
            text,
            (x + 0.2, hi - (hi - lo) * 0.04),
            ("sans-serif", 14),
        )])?;
    }
    root.present()?;
    Ok(())
}

/// Stroke width of a raster's spike lines, px (the axes are 1 px: a test counts the spikes).
const SPIKE_WIDTH: u32 = 2;

/// A raster: the recorded repeats (black, top rows) above the predicted ones (blue), one
/// short vertical line per spike, time in seconds on x.
pub fn raster(r: &Raster) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_raster(&mut svg, r) {
        tracing::error!(error = %e, "drawing a raster");
        return String::new();
    }
    svg
}

fn draw_raster(svg: &mut String, r: &Raster) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let rows = (r.recorded.len() + r.predicted.len()).max(1) as f64;
    let height = (40 + 12 * rows as u32).min(SIZE.1);
    let root = SVGBackend::with_string(svg, (SIZE.0, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..r.shown_s.max(1e-3), 0.0..rows)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .y_labels(0)
        .x_desc("s")
        .draw()?;
    let sides = [(&r.recorded, BLACK), (&r.predicted, PALETTE[0])];
    let mut row = rows;
    for (trains, colour) in sides {
        for train in trains.iter() {
            row -= 1.0;
            chart.draw_series(train.iter().map(|&t| {
                PathElement::new(
                    [(t, row + 0.1), (t, row + 0.9)],
                    colour.stroke_width(SPIKE_WIDTH),
                )
            }))?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_draws_one_circle_per_point() {
        let series = vec![
            Series {
                team: "a".into(),
                points: vec![(0.0, 0.1), (1.0, 0.3), (2.0, 0.4)],
            },
            Series {
                team: "<b>".into(),
                points: vec![(0.5, 0.2)],
            },
        ];
        let svg = history(&series);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 4);
        // plotters escapes text: a team name cannot inject markup into the page.
        assert!(!svg.contains("<b>") && svg.contains("&lt;b&gt;"), "{svg}");
        assert!(history(&[]).starts_with("<svg"));
    }

    #[test]
    fn a_raster_draws_one_line_per_spike() {
        let r = Raster {
            trial_id: "t".into(),
            shown_s: 2.0,
            recorded: vec![vec![0.1, 0.5], vec![1.5]],
            predicted: vec![vec![0.2, 0.4, 1.9]],
        };
        assert_eq!(r.spikes(), 6);
        let svg = raster(&r);
        assert_eq!(svg.matches("stroke-width=\"2\"").count(), 6, "{svg}");
    }

    #[test]
    fn bars_draw_one_rectangle_per_defined_value() {
        let svg = bars(&[
            ("all", Some(0.6)),
            ("clustered", Some(0.4)),
            ("controls", None),
        ]);
        assert!(svg.contains("clustered: 0.400"), "{svg}");
        assert!(svg.contains("controls: undefined"), "{svg}");
        // One background rectangle, two bars.
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
    }
}
