"""autograd.functional.jacobian and hessian, against torch."""
import numpy as np
import torch

import ember
from autograd_util import same

X = np.array([0.5, -1.0, 2.0])
Y = np.array([[1.0, 2.0], [3.0, -0.5]])


def _j(lib):
    return torch.autograd.functional if lib is torch else ember.autograd.functional


def test_jacobian_single_input_single_output():
    same(lambda lib: _j(lib).jacobian(lambda a: a.exp() * a, lib.tensor(X)))


def test_jacobian_tuple_inputs_and_matrix_output():
    same(lambda lib: _j(lib).jacobian(lambda a, b: b * a.sum() + b.tanh(), (lib.tensor(X), lib.tensor(Y))))


def test_jacobian_tuple_outputs():
    same(lambda lib: _j(lib).jacobian(lambda a: (a * 2, a.sum(), a.sigmoid()), lib.tensor(X)))


def test_jacobian_of_unrelated_output_is_zero():
    same(lambda lib: _j(lib).jacobian(lambda a, b: a * 3, (lib.tensor(X), lib.tensor(Y))))


def test_jacobian_result_is_detached_unless_create_graph():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        j = _j(lib).jacobian(lambda a: a ** 3, x)
        jc = _j(lib).jacobian(lambda a: a ** 3, x, create_graph=True)
        return j.requires_grad, jc.requires_grad, j
    same(f)


def test_hessian():
    same(lambda lib: _j(lib).hessian(lambda a: (a ** 3).sum() + a.prod(),
                                     lib.tensor(X)))
    same(lambda lib: _j(lib).hessian(lambda a, b: (a.sum() * b).tanh().sum(), (lib.tensor(X), lib.tensor(Y))))
