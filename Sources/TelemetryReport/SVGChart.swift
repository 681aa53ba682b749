import Foundation

/// One coloured series of a chart: a value per category, nil where there is none.
struct ChartSeries {
    var name: String
    var color: String
    var values: [Double?]
}

/// Inline SVG charts (no script, no external resource): stacked columns, a line, horizontal
/// bars. Every mark carries a `<title>` so that hovering shows its exact value.
enum SVGChart {
    static let axisColor = "#9aa1ad"
    static let gridColor = "#e8eaee"
    static let textColor = "#5b6270"
    static let font = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""

    struct Frame {
        var width = 960.0
        var height = 300.0
        var left = 60.0
        var right = 16.0
        var top = 14.0
        var bottom = 34.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
    }

    /// Columns per category, series stacked bottom-up in the given order. `percent` draws each
    /// column's shares of its own total. Categories in `withheld` get a hatched band instead.
    static func stackedColumns(
        categories: [String], series: [ChartSeries], withheld: Set<Int>, percent: Bool, unit: String,
        label: String
    ) -> String {
        let frame = Frame()
        let totals = categories.indices.map { index in series.reduce(0.0) { $0 + ($1.values[index] ?? 0) } }
        let top = percent ? 1.0 : max(totals.max() ?? 0, 1)
        let ticks = percent ? [0, 0.25, 0.5, 0.75, 1] : niceTicks(top)
        let scaleTop = ticks.last ?? top
        var svg = open(frame, label: label)
        svg += hatchDefinition
        svg += yAxis(frame, ticks: ticks, scaleTop: scaleTop, percent: percent)
        let slot = frame.plotWidth / Double(max(categories.count, 1))
        let barWidth = min(slot * 0.72, 64)
        for (index, category) in categories.enumerated() {
            let x = frame.left + slot * Double(index) + (slot - barWidth) / 2
            if withheld.contains(index) {
                svg += hatchBand(frame, x: frame.left + slot * Double(index), width: slot, title: "\(category): withheld")
                continue
            }
            var base = frame.top + frame.plotHeight
            let total = totals[index]
            for item in series {
                guard let value = item.values[index], value > 0, total > 0 else { continue }
                let shown = percent ? value / total : value
                let height = shown / scaleTop * frame.plotHeight
                base -= height
                let valueText =
                    percent
                    ? "\(TextFormatting.percent(shown)) (\(TextFormatting.grouped(Int(value))) \(unit))"
                    : "\(TextFormatting.grouped(Int(value))) \(unit)"
                svg += "<rect x=\"\(f(x))\" y=\"\(f(base))\" width=\"\(f(barWidth))\" height=\"\(f(height))\" fill=\"\(item.color)\">"
                svg += "<title>\(TextFormatting.html("\(category) · \(item.name): \(valueText)"))</title></rect>"
            }
        }
        svg += xLabels(frame, categories: categories)
        return svg + "</svg>"
    }

    /// A line with dots and a light area under it; gaps where a value is nil, hatched bands for
    /// `withheld` categories.
    static func line(categories: [String], values: [Double?], withheld: Set<Int>, color: String, unit: String, label: String)
        -> String
    {
        let frame = Frame(height: 240)
        let ticks = niceTicks(max(values.compactMap { $0 }.max() ?? 0, 1))
        let scaleTop = ticks.last ?? 1
        var svg = open(frame, label: label) + hatchDefinition + yAxis(frame, ticks: ticks, scaleTop: scaleTop, percent: false)
        let slot = frame.plotWidth / Double(max(categories.count, 1))
        func point(_ index: Int, _ value: Double) -> (Double, Double) {
            (frame.left + slot * (Double(index) + 0.5), frame.top + frame.plotHeight * (1 - value / scaleTop))
        }
        for index in withheld.sorted() {
            svg += hatchBand(frame, x: frame.left + slot * Double(index), width: slot, title: "\(categories[index]): withheld")
        }
        var runs: [[(Double, Double)]] = [[]]
        for (index, value) in values.enumerated() {
            if let value { runs[runs.count - 1].append(point(index, value)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        let baseline = frame.top + frame.plotHeight
        for run in runs where !run.isEmpty {
            let path = run.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(f($0.element.0)),\(f($0.element.1))" }.joined()
            svg += "<path d=\"\(path)L\(f(run.last!.0)),\(f(baseline))L\(f(run[0].0)),\(f(baseline))Z\" fill=\"\(color)\" fill-opacity=\"0.12\"/>"
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>"
        }
        let radius = slot < 8 ? 0.0 : 3.5
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            let (x, y) = point(index, value)
            svg += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(max(radius, 1.5)))\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"2\">"
            svg += "<title>\(TextFormatting.html("\(categories[index]): \(TextFormatting.grouped(Int(value))) \(unit)"))</title></circle>"
        }
        svg += xLabels(frame, categories: categories)
        return svg + "</svg>"
    }

    /// One bar per item, longest first as given; the text beside each bar is `note`.
    static func horizontalBars(_ items: [(label: String, value: Double, note: String, color: String)], label: String) -> String {
        let rowHeight = 30.0
        let labelWidth = 200.0
        let width = 490.0
        let noteWidth = 140.0
        let height = max(rowHeight * Double(items.count) + 8, 40)
        let maximum = max(items.map(\.value).max() ?? 1, 1)
        var svg = "<svg viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"100%\" role=\"img\" aria-label=\"\(TextFormatting.html(label))\" \(font)>"
        for (index, item) in items.enumerated() {
            let y = 4 + rowHeight * Double(index)
            let barLength = max((width - labelWidth - noteWidth) * item.value / maximum, item.value > 0 ? 2 : 0)
            let shortLabel = item.label.count > 24 ? String(item.label.prefix(23)) + "…" : item.label
            svg += "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + rowHeight / 2 + 4))\" text-anchor=\"end\" font-size=\"13\" fill=\"#2b303a\">"
            svg += "\(TextFormatting.html(shortLabel))<title>\(TextFormatting.html(item.label))</title></text>"
            svg += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y + 5))\" width=\"\(f(barLength))\" height=\"\(f(rowHeight - 10))\" rx=\"3\" fill=\"\(item.color)\">"
            svg += "<title>\(TextFormatting.html("\(item.label): \(item.note)"))</title></rect>"
            svg += "<text x=\"\(f(labelWidth + barLength + 8))\" y=\"\(f(y + rowHeight / 2 + 4))\" font-size=\"12\" fill=\"\(textColor)\">\(TextFormatting.html(item.note))</text>"
        }
        return svg + "</svg>"
    }

    // MARK: Parts

    static func open(_ frame: Frame, label: String) -> String {
        "<svg viewBox=\"0 0 \(f(frame.width)) \(f(frame.height))\" width=\"100%\" role=\"img\" aria-label=\"\(TextFormatting.html(label))\" \(font)>"
    }

    static let hatchDefinition = """
        <defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
        <rect width="8" height="8" fill="#f3f4f6"/><line x1="0" y1="0" x2="0" y2="8" stroke="#d5d9e0" stroke-width="3"/></pattern></defs>
        """

    static func hatchBand(_ frame: Frame, x: Double, width: Double, title: String) -> String {
        "<rect x=\"\(f(x + 1))\" y=\"\(f(frame.top))\" width=\"\(f(max(width - 2, 1)))\" height=\"\(f(frame.plotHeight))\" fill=\"url(#hatch)\">"
            + "<title>\(TextFormatting.html(title))</title></rect>"
    }

    static func yAxis(_ frame: Frame, ticks: [Double], scaleTop: Double, percent: Bool) -> String {
        var svg = ""
        for tick in ticks {
            let y = frame.top + frame.plotHeight * (1 - tick / scaleTop)
            let color = tick == 0 ? axisColor : gridColor
            svg += "<line x1=\"\(f(frame.left))\" y1=\"\(f(y))\" x2=\"\(f(frame.width - frame.right))\" y2=\"\(f(y))\" stroke=\"\(color)\" stroke-width=\"1\"/>"
            let text = percent ? "\(Int((tick * 100).rounded()))%" : compact(tick)
            svg += "<text x=\"\(f(frame.left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"12\" fill=\"\(textColor)\">\(text)</text>"
        }
        return svg
    }

    /// Category labels under the plot, thinned so that they never overlap.
    static func xLabels(_ frame: Frame, categories: [String]) -> String {
        guard !categories.isEmpty else { return "" }
        let slot = frame.plotWidth / Double(categories.count)
        let longest = Double(categories.map(\.count).max() ?? 1)
        let every = max(1, Int(((longest * 7.2 + 14) / slot).rounded(.up)))
        var svg = ""
        for (index, category) in categories.enumerated() where index % every == 0 {
            let x = frame.left + slot * (Double(index) + 0.5)
            svg += "<text x=\"\(f(x))\" y=\"\(f(frame.height - frame.bottom + 20))\" text-anchor=\"middle\" font-size=\"12\" fill=\"\(textColor)\">\(TextFormatting.html(category))</text>"
        }
        return svg
    }

    /// 0, a round step, … up to at least `maximum`: about five whole-number ticks.
    static func niceTicks(_ maximum: Double) -> [Double] {
        let rough = max(maximum, 1) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let normalized = rough / magnitude
        let step = max(1, (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude)
        let count = Int((maximum / step).rounded(.up))
        return (0...max(count, 1)).map { Double($0) * step }
    }

    /// 1200 → `1.2k`, 3000000 → `3M`.
    static func compact(_ value: Double) -> String {
        func trimmed(_ x: Double, _ suffix: String) -> String {
            let text = String(format: "%.1f", x)
            return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + suffix
        }
        if value >= 1_000_000 { return trimmed(value / 1_000_000, "M") }
        if value >= 10_000 { return trimmed(value / 1000, "k") }
        return TextFormatting.grouped(Int(value))
    }

    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
