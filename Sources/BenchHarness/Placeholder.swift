import DistillKit
