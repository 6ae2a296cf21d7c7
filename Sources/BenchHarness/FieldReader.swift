import DistillKit
import Foundation
import Yams

/// Typed access to YAML values with errors that name the field.
struct FieldReader {
    let file: String

    /// Parses YAML text whose top level must be a mapping.
    func topLevelMapping(_ text: String, expecting: String) throws -> [String: Any] {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw SuiteError(file: file, field: "(yaml)", reason: "not valid YAML: \(error)")
        }
        guard let root = node as? [String: Any] else {
            throw SuiteError(file: file, field: "(top level)", reason: "expected \(expecting)")
        }
        return root
    }

    func onlyKnown(_ m: [String: Any], _ known: [String], at: String) throws {
        for k in m.keys.sorted() where !known.contains(k) {
            throw SuiteError(file: file, field: at.isEmpty ? k : "\(at).\(k)", reason: "unknown field; known fields here: \(known.joined(separator: ", "))")
        }
    }

    func string(_ v: Any?, _ field: String) throws -> String? {
        guard let v else { return nil }
        if let s = v as? String { return s }
        throw SuiteError(file: file, field: field, reason: "expected text, got '\(RunKeyName.short("\(v)"))'")
    }

    /// A finite number: NaN and infinities are refused here, where the field can be named,
    /// rather than failing later inside an encoder.
    func double(_ v: Any?, _ field: String) throws -> Double? {
        guard let v else { return nil }
        let d: Double
        if let x = v as? Double { d = x }
        else if let i = v as? Int { d = Double(i) }
        else if let s = v as? String, let x = Double(s) { d = x }
        else { throw SuiteError(file: file, field: field, reason: "expected a number, got '\(RunKeyName.short("\(v)"))'") }
        guard d.isFinite else { throw SuiteError(file: file, field: field, reason: "must be a finite number, got \(d)") }
        return d
    }

    /// A number stored as Float (learning rates, decays): it must stay finite as a Float too.
    func float(_ v: Any?, _ field: String) throws -> Float? {
        guard let d = try double(v, field) else { return nil }
        guard Float(d).isFinite else { throw SuiteError(file: file, field: field, reason: "\(d) is out of range (at most \(Float.greatestFiniteMagnitude))") }
        return Float(d)
    }

    func int(_ v: Any?, _ field: String, min: Int) throws -> Int? {
        guard let v else { return nil }
        guard let i = v as? Int else { throw SuiteError(file: file, field: field, reason: "expected an integer, got '\(RunKeyName.short("\(v)"))'") }
        guard i >= min else { throw SuiteError(file: file, field: field, reason: "must be >= \(min), got \(i)") }
        return i
    }

    /// A `training:` mapping over `base` (the suite file's fields; each optional).
    func training(_ value: Any, at: String, base: TrainingConfig) throws -> TrainingConfig {
        guard let m = value as? [String: Any] else { throw SuiteError(file: file, field: at, reason: "expected a mapping") }
        try onlyKnown(m, ["lr", "weight_decay", "batch_size", "negatives", "init_std", "max_epochs", "eval_every", "patience"], at: at)
        var c = base
        if let v = try float(m["lr"], "\(at).lr") { c.learningRate = v }
        if let v = try float(m["weight_decay"], "\(at).weight_decay") { c.weightDecay = v }
        if let v = try int(m["batch_size"], "\(at).batch_size", min: 1) { c.batchSize = v }
        if let v = try int(m["negatives"], "\(at).negatives", min: 1) { c.negatives = v }
        if let v = try float(m["init_std"], "\(at).init_std") { c.initStd = v }
        if let v = try int(m["max_epochs"], "\(at).max_epochs", min: 1) { c.maxEpochs = v }
        if let v = try int(m["eval_every"], "\(at).eval_every", min: 1) { c.evalEvery = v }
        if let v = try int(m["patience"], "\(at).patience", min: 1) { c.patience = v }
        return c
    }
}
