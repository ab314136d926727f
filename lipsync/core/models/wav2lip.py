"""The Wav2Lip generator in torch, and its checkpoints (needs the ``torch`` extra).

:class:`Wav2Lip` has exactly the architecture and parameter names of the public generator
(Prajwal et al., "A Lip Sync Expert Is All You Need", ACM MM 2020; github.com/Rudrabha/Wav2Lip):
a face encoder of seven blocks, an audio encoder, a decoder that concatenates the encoder's
features at every scale (skip connections) and a sigmoid output; 352 state-dict entries and
36,298,035 parameters. Called as ``model(mel, face)``:

- ``mel``: ``float32 (B, 1, 80, 16)``, one window of :func:`~.wav2lip_audio.melspectrogram`;
- ``face``: ``float32 (B, 6, 96, 96)``, BGR in [0, 1]: channels 0..2 the face crop with its
  lower half (rows 48..95) zeroed, channels 3..5 the reference crop (at inference, the same
  frame unmasked);
- returns ``float32 (B, 3, 96, 96)``, the face crop with a new lower half, BGR in [0, 1].

:func:`load_wav2lip` reads the published checkpoint formats; pickle-based files are read with
``weights_only=True``, so a checkpoint never runs code.
"""

from __future__ import annotations

import logging
import pickle
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lipsync.core.errors import InputError
from lipsync.core.optional import require

torch = require("torch", "torch", "the Wav2Lip model (loading and exporting checkpoints)")
nn = torch.nn

logger = logging.getLogger("lipsync")

IMG_SIZE = 96  # px, side of the face crop the generator sees
MEL_BANDS = 80  # mel bands per audio frame
MEL_STEP = 16  # mel frames per window (0.2 s at 80 mel frames/s)
STATE_ENTRIES = 352  # entries of the generator's state dict
PARAMETERS = 36_298_035  # trainable parameters of the generator

_PICKLE_PROTOCOL = 0x80  # first byte of a pickle (protocol 2+): torch's legacy format


class Conv2d(nn.Module):
    """Convolution, batch norm, ReLU; with ``residual`` the input is added before the ReLU."""

    def __init__(
        self, cin: int, cout: int, kernel_size: Any, stride: Any, padding: Any, residual=False
    ) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size, stride, padding), nn.BatchNorm2d(cout)
        )
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x):
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return self.act(out)


class Conv2dTranspose(nn.Module):
    """Transposed convolution, batch norm, ReLU."""

    def __init__(
        self, cin: int, cout: int, kernel_size: int, stride: int, padding: int, output_padding=0
    ) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ConvTranspose2d(cin, cout, kernel_size, stride, padding, output_padding),
            nn.BatchNorm2d(cout),
        )
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv_block(x))


def _res(c: int) -> Conv2d:
    return Conv2d(c, c, kernel_size=3, stride=1, padding=1, residual=True)


def _down(cin: int, cout: int, stride: Any = 2) -> Conv2d:
    return Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1)


def _up(cin: int, cout: int) -> Conv2dTranspose:
    return Conv2dTranspose(cin, cout, kernel_size=3, stride=2, padding=1, output_padding=1)


class Wav2Lip(nn.Module):
    """The Wav2Lip generator (see the module docstring for shapes)."""

    def __init__(self) -> None:
        super().__init__()
        seq = nn.Sequential
        self.face_encoder_blocks = nn.ModuleList(
            [
                seq(Conv2d(6, 16, kernel_size=7, stride=1, padding=3)),  # 96x96
                seq(_down(16, 32), _res(32), _res(32)),  # 48x48
                seq(_down(32, 64), _res(64), _res(64), _res(64)),  # 24x24
                seq(_down(64, 128), _res(128), _res(128)),  # 12x12
                seq(_down(128, 256), _res(256), _res(256)),  # 6x6
                seq(_down(256, 512), _res(512)),  # 3x3
                seq(
                    Conv2d(512, 512, kernel_size=3, stride=1, padding=0),  # 1x1
                    Conv2d(512, 512, kernel_size=1, stride=1, padding=0),
                ),
            ]
        )
        self.audio_encoder = seq(  # (1, 80, 16) -> (512, 1, 1)
            Conv2d(1, 32, kernel_size=3, stride=1, padding=1),
            _res(32),
            _res(32),
            _down(32, 64, stride=(3, 1)),  # 27x16
            _res(64),
            _res(64),
            _down(64, 128, stride=3),  # 9x6
            _res(128),
            _res(128),
            _down(128, 256, stride=(3, 2)),  # 3x3
            _res(256),
            Conv2d(256, 512, kernel_size=3, stride=1, padding=0),  # 1x1
            Conv2d(512, 512, kernel_size=1, stride=1, padding=0),
        )
        self.face_decoder_blocks = nn.ModuleList(
            [
                seq(Conv2d(512, 512, kernel_size=1, stride=1, padding=0)),  # 1x1
                seq(Conv2dTranspose(1024, 512, kernel_size=3, stride=1, padding=0), _res(512)),
                seq(_up(1024, 512), _res(512), _res(512)),  # 6x6
                seq(_up(768, 384), _res(384), _res(384)),  # 12x12
                seq(_up(512, 256), _res(256), _res(256)),  # 24x24
                seq(_up(320, 128), _res(128), _res(128)),  # 48x48
                seq(_up(160, 64), _res(64), _res(64)),  # 96x96
            ]
        )
        self.output_block = seq(
            Conv2d(80, 32, kernel_size=3, stride=1, padding=1),
            nn.Conv2d(32, 3, kernel_size=1, stride=1, padding=0),
            nn.Sigmoid(),
        )

    def forward(self, mel, face):
        """``mel`` ``(B, 1, 80, 16)``, ``face`` ``(B, 6, 96, 96)`` -> ``(B, 3, 96, 96)``."""
        feats = []
        x = face
        for block in self.face_encoder_blocks:
            x = block(x)
            feats.append(x)
        x = self.audio_encoder(mel)
        for block in self.face_decoder_blocks:
            x = torch.cat((block(x), feats.pop()), dim=1)
        return self.output_block(x)


# --- Checkpoints ---------------------------------------------------------------------------------


def checkpoint_format(path: str | Path) -> str | None:
    """What a file is: ``"torchscript"`` (a ``torch.jit`` archive), ``"zip"`` (``torch.save``
    since torch 1.6), ``"legacy"`` (``torch.save`` before 1.6, a pickle stream), or ``None``
    (none of these)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        if any("/code/" in n or n.endswith("/constants.pkl") for n in names):
            return "torchscript"
        return "zip" if any(n.endswith("/data.pkl") for n in names) else None
    return "legacy" if head[:1] == bytes([_PICKLE_PROTOCOL]) else None


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(
            f"The Wav2Lip checkpoint '{path}' does not exist: give the path of a .pth file."
        )
    if not path.is_file():
        raise InputError(
            f"The Wav2Lip checkpoint '{path}' is not a file: give the path of a .pth file."
        )


def _read_state(path: Path) -> Mapping[str, Any]:
    """The raw state dict (or checkpoint) stored in ``path``."""
    kind = checkpoint_format(path)
    if kind is None:
        raise InputError(
            f"The file '{path}' is not a PyTorch checkpoint: give a Wav2Lip .pth file "
            "(the generator, e.g. wav2lip.pth or wav2lip_gan.pth)."
        )
    try:
        if kind == "torchscript":
            with warnings.catch_warnings():  # torch.jit is deprecated, and the only way in
                warnings.simplefilter("ignore", DeprecationWarning)
                return torch.jit.load(str(path), map_location="cpu").state_dict()
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:  # weights_only refused a global: it would run code
        raise InputError(
            f"The checkpoint '{path}' holds Python objects other than weights, which lipsync "
            "does not load (loading them could run code): give the plain Wav2Lip checkpoint."
        ) from e
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as e:
        raise InputError(
            f"The checkpoint '{path}' cannot be read ({_first_line(e)}): it is damaged or "
            "incomplete, download it again."
        ) from e


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def state_dict_of(obj: Any, path: str | Path = "checkpoint") -> dict[str, Any]:
    """The generator's state dict inside a loaded checkpoint: the ``state_dict`` of a training
    checkpoint (``state_dict``, ``optimizer``, ``global_step``, ``global_epoch``) or a bare
    state dict, with the ``module.`` prefix of ``DataParallel`` removed."""
    if isinstance(obj, Mapping) and isinstance(obj.get("state_dict"), Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not obj:
        raise InputError(
            f"The file '{path}' holds no state dict (got {type(obj).__name__}): give a Wav2Lip "
            "generator checkpoint."
        )
    state = {}
    for key, value in obj.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise InputError(
                f"The file '{path}' is not a state dict of weights (entry {key!r} is a "
                f"{type(value).__name__}): give a Wav2Lip generator checkpoint."
            )
        state[key.removeprefix("module.")] = value
    return state


def _check_keys(model: Wav2Lip, state: Mapping[str, Any], path: Path) -> None:
    """:class:`InputError` naming what differs when ``state`` does not fit ``model`` exactly."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} weights missing (e.g. '{missing[0]}')")
        if unexpected:
            parts.append(f"{len(unexpected)} unknown (e.g. '{unexpected[0]}')")
        hint = (
            " (this looks like the SyncNet expert or the discriminator)"
            if any(k.startswith(("face_encoder.", "binary_pred")) for k in unexpected)
            else ""
        )
        raise InputError(
            f"The checkpoint '{path}' is not a Wav2Lip generator: {', '.join(parts)}{hint}; "
            "give the generator checkpoint (wav2lip.pth or wav2lip_gan.pth)."
        )
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise InputError(
                f"The checkpoint '{path}' is not the 96x96 Wav2Lip generator: '{key}' has shape "
                f"{tuple(state[key].shape)}, expected {tuple(tensor.shape)}; give the original "
                "generator checkpoint (variants at other resolutions are not supported)."
            )


def load_wav2lip(path: str | Path) -> Wav2Lip:
    """The Wav2Lip generator with the weights in ``path``, in eval mode, on the CPU.

    Reads the legacy training checkpoint (a dict with ``state_dict``, ``optimizer``,
    ``global_step``, ``global_epoch``; keys with or without ``module.``), a bare state dict,
    and TorchScript archives (read with ``torch.jit.load``, taken to their state dict).
    Pickle-based files are loaded with ``weights_only=True``. The weights must fit exactly
    (``strict=True``); anything else is an :class:`InputError` saying what is wrong.
    """
    path = Path(path)
    _check_file(path)
    state = state_dict_of(_read_state(path), path)
    model = Wav2Lip()
    _check_keys(model, state, path)
    model.load_state_dict(state, strict=True)
    logger.debug("loaded Wav2Lip weights from %s (%d entries)", path, len(state))
    return model.eval()


def random_wav2lip(seed: int = 0) -> Wav2Lip:
    """A generator with seeded random weights and randomised batch-norm statistics and
    affine parameters, in eval mode: a stand-in for real weights in tests and benchmarks
    (the same seed gives the same model)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Wav2Lip()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
                module.weight.copy_(0.75 + 0.5 * torch.rand(n, generator=generator))
                module.bias.copy_(0.1 * torch.randn(n, generator=generator))
                steps = torch.randint(1, 10**6, (1,), generator=generator)
                module.num_batches_tracked.fill_(int(steps))
    return model.eval()


def parameter_count(model: nn.Module) -> int:
    """Number of parameters (weights and biases; not batch-norm statistics)."""
    return sum(p.numel() for p in model.parameters())
