"""The notes' tabular workflow on the house_tiny.csv of seed 002 §1.2."""
import numpy as np
import pytest

pd = pytest.importorskip("pandas", reason="pandas is a test extra")

import ember  # noqa: E402
from ember.data import fill_missing_with_mean, frame_to_tensor, one_hot, preprocess, read_csv, standardize  # noqa: E402


@pytest.fixture
def house(tmp_path):
    p = tmp_path / "house_tiny.csv"
    p.write_text("NumRooms, Alley, Price\nNA, Pave, 127500\n2, NA, 106000\n4, NA, 178100\nNA, NA, 140000\n")
    return read_csv(p)


def test_seed_workflow(house):
    inputs, outputs = house.iloc[:, 0:2], house.iloc[:, 2]
    inputs = one_hot(fill_missing_with_mean(inputs), dummy_na=True)
    assert list(inputs.columns) == ["NumRooms", "Alley_Pave", "Alley_nan"]
    X, y = frame_to_tensor(inputs), frame_to_tensor(outputs)
    assert X.dtype is ember.float32 and y.dtype is ember.int64
    assert X.tolist() == [[3.0, 1.0, 0.0], [2.0, 0.0, 1.0], [4.0, 0.0, 1.0], [3.0, 0.0, 1.0]]
    assert y.tolist() == [127500, 106000, 178100, 140000]


def test_standardize_and_pipeline(house):
    df, stats = standardize(house[["NumRooms", "Price"]])
    rooms = np.array([np.nan, 2, 4, np.nan])
    assert stats["NumRooms"] == pytest.approx((3.0, np.nanstd(rooms, ddof=1)))
    assert df["NumRooms"].tolist()[0] == 0.0  # missing -> mean -> 0 after standardising
    X, y, names = preprocess(house, target="Price")
    assert tuple(X.shape) == (4, 3) and names[0] == "NumRooms" and y.tolist()[0] == 127500


def test_non_numeric_frame_is_rejected_with_a_hint(house):
    with pytest.raises(TypeError, match="one_hot"):
        frame_to_tensor(house)
