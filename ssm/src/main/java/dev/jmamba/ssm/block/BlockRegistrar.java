package dev.jmamba.ssm.block;

import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Lets shared builder code register children and parameters on a block (Module's register/param
 * are protected): the block passes {@code new BlockRegistrar(this::register, this::param)}.
 */
record BlockRegistrar(BiFunction<String, Module, Module> registerChild, BiFunction<String, Tensor, Parameter> registerParam) {

    <T extends Module> T child(String name, T module) {
        registerChild.apply(name, module);
        return module;
    }

    Parameter parameter(String name, Tensor init) { return registerParam.apply(name, init); }
}
