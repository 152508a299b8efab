import pytest
import torch


@pytest.fixture(autouse=True)
def _torch_threads():
    from engine.torchutil import configure_torch

    configure_torch()
    yield


@pytest.fixture(scope="session")
def sovits_v2(gsv_fixtures):
    from _gsv_util import load_sovits

    with torch.no_grad():
        return load_sovits(gsv_fixtures / "sovits_v2_tiny.pth")


@pytest.fixture(scope="session")
def sovits_plus(gsv_fixtures):
    from _gsv_util import load_sovits

    with torch.no_grad():
        return load_sovits(gsv_fixtures / "sovits_v2ProPlus_tiny.pth")


@pytest.fixture(scope="session")
def gpt_tiny(gsv_fixtures):
    from _gsv_util import load_gpt

    return load_gpt(gsv_fixtures / "gpt_tiny.ckpt")
