package dev.llmaccel.format.onnx;

import java.util.List;

/**
 * One node of an ONNX graph: an operator applied to named inputs, producing named outputs.
 *
 * @param name the node's name, e.g. {@code /encoder/layer.0/attention/self/query/MatMul} (may be empty)
 * @param opType the operator, e.g. {@code MatMul}
 * @param domain the operator set's domain (empty for the default ONNX domain)
 * @param inputs names of the values the node reads, in order (an empty name is an omitted optional input)
 * @param outputs names of the values the node produces
 */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs) {
    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
