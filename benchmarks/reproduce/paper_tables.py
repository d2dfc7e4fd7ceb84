"""The fNRI paper's Tables 1 and 2 (means only), printed beside ours."""
from typing import Dict, Tuple

#: Table 1: test edge accuracy (%), combined then per interaction type, by
#: (system, model, mode).
PAPER_ACCURACY: Dict[Tuple[str, ...], Tuple[float, ...]] = {
    ('I+C', 'nri', 'learned'): (89.1, 97.9, 91.0),
    ('I+C', 'fnri', 'learned'): (94.0, 98.0, 95.8),
    ('I+C', 'sfnri', 'learned'): (88.8, 97.6, 91.1),
    ('I+C', 'nri', 'supervised'): (98.3, 98.6, 99.7),
    ('I+C', 'fnri', 'supervised'): (98.3, 98.8, 99.4),
    ('I+C', 'sfnri', 'supervised'): (98.0, 98.3, 99.6),
    ('I+C+F', 'nri', 'learned'): (57.9, 88.5, 87.3, 70.7),
    ('I+C+F', 'fnri', 'learned'): (63.3, 86.9, 97.7, 69.2),
    ('I+C+F', 'sfnri', 'learned'): (45.1, 90.0, 98.2, 52.4),
    ('I+C+F', 'nri', 'supervised'): (80.9, 92.4, 99.0, 84.4),
    ('I+C+F', 'fnri', 'supervised'): (81.8, 93.3, 99.3, 85.8),
    ('I+C+F', 'sfnri', 'supervised'): (81.0, 92.9, 99.2, 85.2),
}

#: Table 2: test MSE / 1e-5 at 1, 10 and 20 steps, by (system, model, mode)
#: or, for the static baseline, (system, 'static').
PAPER_MSE: Dict[Tuple[str, ...], Tuple[float, ...]] = {
    ('I+C', 'static'): (19.4, 283, 783),
    ('I+C', 'nri', 'learned'): (0.88, 4.05, 11.5),
    ('I+C', 'fnri', 'learned'): (0.80, 3.54, 9.93),
    ('I+C', 'sfnri', 'learned'): (1.03, 3.32, 9.68),
    ('I+C', 'nri', 'true_graph'): (0.85, 1.59, 3.20),
    ('I+C', 'fnri', 'true_graph'): (0.70, 1.30, 2.52),
    ('I+C', 'sfnri', 'true_graph'): (0.86, 1.32, 2.77),
    ('I+C+F', 'static'): (12.8, 274, 782),
    ('I+C+F', 'nri', 'learned'): (0.95, 8.67, 29.1),
    ('I+C+F', 'fnri', 'learned'): (0.81, 7.78, 26.8),
    ('I+C+F', 'sfnri', 'learned'): (0.77, 5.69, 19.3),
    ('I+C+F', 'nri', 'true_graph'): (0.75, 1.55, 3.43),
    ('I+C+F', 'fnri', 'true_graph'): (0.51, 0.97, 2.44),
    ('I+C+F', 'sfnri', 'true_graph'): (0.56, 0.89, 2.28),
}
